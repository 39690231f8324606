/* The part of PRAGMA integrity_check that quick_check leaves out -- does
 * every index hold exactly its table's rows? -- done without integrity_
 * check's b-tree lookup per row per index.  For each rowid table, one scan
 * of the table (NOT INDEXED) computes every index's entries from each row
 * (a partial index's only where its WHERE holds), and one covering scan of
 * each index (checked with EXPLAIN QUERY PLAN: the values come from the
 * index b-tree, not the table) reads its entries; per index the counts
 * must match, and so must an order-free 128-bit sum of a hash of each
 * entry (the values with their storage classes, and the rowid), taken in a
 * form equal for the values SQLite's comparison finds equal under the
 * column's collation, as integrity_check's lookup does (NOCASE folded,
 * RTRIM trimmed, an integral REAL as its INTEGER).  A partial index's scan
 * skips entries its WHERE rejects: dbstat's count of its cells must match
 * too.  A UNIQUE index's neighbours are compared under its collations, as
 * integrity_check does.  The table scan also reads each row's last column,
 * which makes SQLite decode the record header, as integrity_check does.
 * The work is an aggregate SQL function (migrate_index_entries()); its
 * memory: the previous key of a UNIQUE index, nothing per row. */
#pragma once

#include <sqlite3.h>

/* Checks every table of h's main schema that it can check this way.
 * *ret_unchecked: the tables it cannot (WITHOUT ROWID, STRICT, generated
 * columns, expression indexes, a partial index whose scan needs the table,
 * a collation other than BINARY/NOCASE/RTRIM on a UNIQUE index, ...), for
 * PRAGMA integrity_check(table); NULL when none.  *ret_problem: NULL when
 * every table checked agrees with its indexes, else the first disagreement
 * (naming index and table) or the error SQLite gave while reading.  The
 * caller's progress handler stays in force: -EINTR when a statement was
 * interrupted, -ENOMEM, else 0.  A text encoding other than UTF-8 leaves
 * every table unchecked. */
int sqlite_index_check(sqlite3 *h, char ***ret_unchecked, char **ret_problem);
