#include "migrate/escape.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "migrate/utf8.h"

static unsigned decode(const unsigned char *u, size_t len) {
        if (len == 1)
                return u[0];
        unsigned cp = u[0] & (0xff >> (len + 1));
        for (size_t i = 1; i < len; i++)
                cp = (cp << 6) | (u[i] & 0x3f);
        return cp;
}

/* Code points that change how a terminal shows what follows them. */
static bool is_control(unsigned cp) {
        return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || /* C0, DEL, C1 */
               cp == 0x2028 || cp == 0x2029 ||                             /* line, paragraph separator */
               (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || /* bidi */
               cp == 0x200e || cp == 0x200f || cp == 0x061c;             /* direction marks */
}

int escape_append(struct strbuf *b, const char *s, size_t n, unsigned flags) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n;) {
                const unsigned char *u = (const unsigned char *) s + i;
                size_t len = utf8_sequence_length(s + i, n - i);
                if (len == 0) {
                        r = strbuf_printf(b, "\\x%02x", u[0]);
                        i++;
                        continue;
                }
                unsigned cp = decode(u, len);
                if (cp < 0x20 || cp == 0x7f)
                        r = strbuf_printf(b, "\\x%02x", cp);
                else if (is_control(cp) || (cp >= 0x80 && (flags & ESCAPE_CODEPOINTS)))
                        r = strbuf_printf(b, "\\u{%x}", cp);
                else if ((flags & ESCAPE_QUOTED) && cp == '\'')
                        r = strbuf_puts(b, "''");
                else if ((flags & ESCAPE_QUOTED) && cp == '\\')
                        r = strbuf_puts(b, "\\x5c");
                else
                        r = strbuf_append(b, s + i, len);
                i += len;
        }
        return r < 0 ? -ENOMEM : 0;
}

char *escape_text(const char *s) {
        _cleanup_strbuf_ struct strbuf b = {};
        if (escape_append(&b, s, strlen(s), 0) < 0 || strbuf_puts(&b, "") < 0)
                return NULL;
        return strbuf_steal(&b);
}
