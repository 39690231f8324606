/* The neutral logical type model: what a column's values ARE, not how one
 * database spells the type.  Each driver maps its own types to and from
 * these (its cast rules, kept as data tables in the driver); the engine
 * converts and compares values by them and never names a database's type.
 * Where a message must name a column's type as its database spells it, the
 * spelling comes from that database's driver (col_spec.name, or the
 * type_name driver operation). */
#pragma once

#include <stdbool.h>

enum col_type {
        COL_INT64,          /* a whole number in the signed 64-bit range */
        COL_INT32,          /* a whole number in the signed 32-bit range */
        COL_INT16,          /* a whole number in the signed 16-bit range */
        COL_FLOAT64,        /* an IEEE 754 double, bit for bit: -0.0, +-Infinity and NaN included */
        COL_FLOAT32,        /* an IEEE 754 single: only numbers it holds exactly */
        COL_DECIMAL,        /* an exact decimal, with precision and scale or unconstrained; NaN and +-Infinity */
        COL_BOOL,           /* true or false */
        COL_TEXT,           /* UTF-8 text without NUL bytes; a length limit in characters, maybe space-padded */
        COL_BYTES,          /* any bytes, NUL included */
        COL_TIMESTAMP_LOCAL, /* a date and time of day with no zone, to the microsecond (wall-clock time) */
        COL_TIMESTAMP_UTC,  /* an instant, to the microsecond; held as UTC, whatever zone it was written in */
        COL_DATE,           /* a calendar day */
        COL_JSON_TEXT,      /* a JSON document kept exactly as written (spacing, key order, duplicates) */
        COL_JSON_DOCUMENT,  /* a JSON document held normalised: keys sorted and unique, canonical spacing */
        COL_UUID,           /* 16 bytes, shown in canonical 8-4-4-4-12 form */
        _COL_TYPE_MAX,      /* the end of the types every driver maps both ways */
        /* Types only an existing PostgreSQL target has (the application's
         * migrations made them): they are filled, never read from a source
         * nor created (a PostgreSQL source carries them as text). */
        COL_TIME = _COL_TYPE_MAX + 1, /* a time of day to the microsecond, as PostgreSQL prints it: HH:MM:SS[.ffffff] */
        COL_INTERVAL,       /* a duration in microseconds (Django's DurationField) */
        COL_INET,           /* an IPv4 or IPv6 host address, with a netmask, as PostgreSQL's inet prints it */
        COL_CIDR,           /* an IPv4 or IPv6 network, as PostgreSQL's cidr prints it */
        COL_MACADDR,        /* a MAC address, as PostgreSQL's macaddr prints it: 08:00:2b:01:02:03 */
        _COL_TYPE_ALL,
};

/* A column's logical type with its limits. */
struct col_spec {
        enum col_type type;
        int length;           /* COL_TEXT: a limit in characters, or -1 */
        int precision, scale; /* COL_DECIMAL: digits in all and after the point, or -1 (unconstrained);
                               * COL_TIMESTAMP_*: precision is the fraction digits kept (0-6), or -1: all six */
        bool padded;          /* COL_TEXT with a length: shorter text is stored padded with spaces to length
                               * characters (and compared padded) */
        /* Limits of how the target stores the type, set by its driver
         * (db_ops.limit_spec): values beyond them are refused by name. */
        bool four_digit_years; /* COL_TIMESTAMP_*, COL_DATE: written as text with years 0000-9999 (0000 is
                                * 1 BC); no infinite date */
        bool not_null;        /* a column of an existing target declared NOT NULL: NULL is refused (a column
                               * migrate creates gets NOT NULL from a source that already holds none) */
        /* COL_TEXT of an existing target's enum type: the only texts it takes
         * (NULL-terminated; borrowed from the catalog), else NULL. */
        const char *const *labels;
        /* The name of an existing target's type that is carried as another
         * (an enum or citext as text, a domain as its base type), for
         * messages; borrowed, else NULL. */
        const char *own_name;
        /* How the database that holds (or will hold) the column spells the
         * type, e.g. "varchar(40)", from its driver; borrowed.  Only for
         * messages: NULL where no driver has spelled it, and then
         * logical_type_describe() words it neutrally. */
        const char *name;
};

/* A spec with no limits, e.g. COL_SPEC(COL_TEXT). */
#define COL_SPEC(t) ((struct col_spec) { .type = (t), .length = -1, .precision = -1, .scale = -1 })

/* Same type and limits (the spelling is not compared). */
bool col_spec_equal(const struct col_spec *a, const struct col_spec *b);

/* A neutral wording of the type for messages, e.g. "64-bit integer",
 * "text of at most 40 characters", "decimal(10,2)"; allocated. */
char *logical_type_describe(const struct col_spec *spec);
/* How a message names the type of a column: the driver's spelling
 * (spec->name) where there is one, else the neutral wording; allocated. */
char *col_spec_name(const struct col_spec *spec);
/* A short fixed word for the type alone, e.g. "64-bit integer" (no limits). */
const char *logical_type_word(enum col_type t);

/* The "(a)" or "(a,b)" after a type name in SQL ("varchar(40)",
 * "numeric(10,2)"), as drivers read declared types: -1 where absent. */
void logical_type_modifiers(const char *s, int *ret_a, int *ret_b);
