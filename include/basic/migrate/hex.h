/* One hexadecimal digit: 0-15, or -1 when c is not one. */
#pragma once

static inline int hex_digit_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c |= 0x20;
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}
