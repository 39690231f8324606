#include "migrate/utf8.h"

size_t utf8_sequence_length(const char *s, size_t avail) {
        const unsigned char *u = (const unsigned char *) s;
        size_t n;
        unsigned cp;

        if (avail == 0)
                return 0;
        if (u[0] < 0x80)
                return 1;
        if (u[0] >= 0xc2 && u[0] <= 0xdf)
                n = 2, cp = u[0] & 0x1f;
        else if (u[0] >= 0xe0 && u[0] <= 0xef)
                n = 3, cp = u[0] & 0x0f;
        else if (u[0] >= 0xf0 && u[0] <= 0xf4)
                n = 4, cp = u[0] & 0x07;
        else
                return 0;
        if (avail < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

bool utf8_is_valid(const char *s, size_t len) {
        for (size_t i = 0; i < len;) {
                size_t n = utf8_sequence_length(s + i, len - i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}
