package store

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
	"text/template"

	"github.com/pressly/goose/v3"
)

// The only differences between the two databases live here: the values the
// migration templates are rendered with, and the goose dialect.

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

type dialectVars struct {
	Postgres   bool
	PatternOps string // operator class that lets LIKE 'prefix%' use an index
	Serial     string // auto-incrementing integer primary key
	Blob       string
	Float      string // double-precision floating point
}

func (d Dialect) vars() dialectVars {
	if d == Postgres {
		return dialectVars{Postgres: true, PatternOps: "text_pattern_ops",
			Serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", Blob: "BYTEA", Float: "DOUBLE PRECISION"}
	}
	return dialectVars{Serial: "INTEGER PRIMARY KEY AUTOINCREMENT", Blob: "BLOB", Float: "REAL"}
}

func (d Dialect) goose() goose.Dialect {
	if d == Postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

//go:embed migrations/*.sql
var migrationTemplates embed.FS

// Migrations returns the migrations rendered for dialect d.
func Migrations(d Dialect) (fs.FS, error) {
	out := fstest.MapFS{}
	err := fs.WalkDir(migrationTemplates, "migrations", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".sql") {
			return err
		}
		src, err := migrationTemplates.ReadFile(path)
		if err != nil {
			return err
		}
		t, err := template.New(path).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return fmt.Errorf("parse migration %s: %w", path, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d.vars()); err != nil {
			return fmt.Errorf("render migration %s: %w", path, err)
		}
		out[strings.TrimPrefix(path, "migrations/")] = &fstest.MapFile{Data: b.Bytes(), Mode: 0o444}
		return nil
	})
	return out, err
}
