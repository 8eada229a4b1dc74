package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/stewardmdm/steward/privacy"
)

// privacyCmd runs 'steward privacy records': the records of processing
// (or, with --plain, the plain-language page) generated from the data
// catalog, which is code, so no database is needed.
func privacyCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "records" {
		fmt.Fprintln(stderr, "Usage: steward privacy records [--format markdown|json] [--plain]")
		return errors.New("name a privacy command: records")
	}
	fs := flag.NewFlagSet("steward privacy records", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "markdown", "output format: markdown or json")
	plain := fs.Bool("plain", false, "the plain-language page instead of the records of processing (GDPR Art. 30)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	d := privacy.Generate()
	switch {
	case *format == "json" && *plain:
		return privacy.WriteJSON(stdout, d.Plain)
	case *format == "json":
		return privacy.WriteJSON(stdout, d.Records)
	case *format == "markdown" && *plain:
		return privacy.WriteNoticeMarkdown(stdout, d.Plain)
	case *format == "markdown":
		return privacy.WriteRecordsMarkdown(stdout, d.Records)
	}
	return fmt.Errorf("--format %q: use markdown or json", *format)
}
