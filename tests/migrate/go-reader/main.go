// go-reader reads a SQLite database the way a Go server does, with
// database/sql and mattn/go-sqlite3, and prints every value of one table
// as "row column GoType value", one line each.
//
//	go-reader FILE TABLE
package main

import (
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-reader FILE TABLE")
		os.Exit(2)
	}
	db, err := sql.Open("sqlite3", "file:"+os.Args[1]+"?mode=ro")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM "` + os.Args[2] + `" ORDER BY 1`)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		n++
		vals := make([]interface{}, len(cols))
		ptrs := make([]interface{}, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case time.Time:
				fmt.Printf("%d %s %T %s\n", n, cols[i], x, x.UTC().Format(time.RFC3339Nano))
			case []byte:
				fmt.Printf("%d %s %T %x\n", n, cols[i], x, x)
			default:
				fmt.Printf("%d %s %T %v\n", n, cols[i], x, x)
			}
		}
	}
	if err := rows.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
