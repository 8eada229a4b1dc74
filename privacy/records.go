package privacy

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/stewardmdm/steward"
)

// The generated documents: the records of processing activities (GDPR
// Art. 30), a plain-language page, and the reference page docs/privacy.md.
// All are built from the catalog and the ledger, so the policy and the code
// cannot drift apart. One view (Records, Notice) serves Markdown, JSON and
// the console's HTML.

// Records are the records of processing activities (GDPR Art. 30(1)).
type Records struct {
	Title string `json:"title"`
	// Controller explains who is controller and who processor in a
	// self-hosted installation.
	Controller string `json:"controller"`
	// Transfers describes transfers to third countries (Art. 30(1)(e)).
	Transfers string `json:"transfers"`
	// Activities are the categories this version processes.
	Activities []Activity `json:"activities"`
	// NotCollected are the catalog's categories this version does not process.
	NotCollected []Absent `json:"not_collected"`
}

// Activity is one processing activity: one category of the catalog.
type Activity struct {
	Category   string   `json:"category"`
	Title      string   `json:"title"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	Subjects   []string `json:"data_subjects"`
	Data       []string `json:"personal_data"`
	Recipients []string `json:"recipients"`
	Transfers  string   `json:"transfers"`
	Condition  string   `json:"condition,omitempty"`
	Retention  string   `json:"retention"`
	// LegalRetention says why data is kept past its purpose, if it is.
	LegalRetention string   `json:"legal_retention,omitempty"`
	Safeguards     []string `json:"safeguards"`
	Clauses        []string `json:"clauses,omitempty"`
}

// Absent is a catalog category this version does not collect.
type Absent struct {
	Category string `json:"category"`
	Title    string `json:"title"`
	Reason   string `json:"reason"`
}

// Notice is the plain-language "what Steward collects and how long it keeps
// it" page.
type Notice struct {
	Title        string       `json:"title"`
	Intro        string       `json:"intro"`
	Items        []NoticeItem `json:"items"`
	NotCollected []Absent     `json:"not_collected"`
	Rights       string       `json:"rights"`
}

// NoticeItem is one kind of data in plain words.
type NoticeItem struct {
	Title   string `json:"title"`
	What    string `json:"what"`
	Why     string `json:"why"`
	When    string `json:"when,omitempty"` // the condition for collecting it at all
	HowLong string `json:"how_long"`
}

// Documents are both generated documents, as the admin API serves them.
type Documents struct {
	Records Records `json:"records"`
	Plain   Notice  `json:"plain"`
}

const (
	controllerNote = "Steward is self-hosted software. The organisation that installs and runs it (the operator) decides why and how " +
		"the data is processed and is its controller (GDPR Art. 4(7)). Where the operator runs Steward for other companies, " +
		"as a reseller hosting it for its clients, each client company is the controller of the data about its own devices " +
		"and people, and the operator processes it on the client's behalf as a processor (Art. 28), under a data processing " +
		"agreement. The authors of Steward receive no data: the software reports nothing to them."
	transfersNote = "None by default: everything stays in the operator's own database on the operator's own servers. Steward sends " +
		"personal data only to the managed devices themselves and to the mail server the operator configures. A transfer outside " +
		"the EEA happens only if the operator hosts Steward, or its mail server, there."
	noticeIntro = "This page says in plain words what Steward keeps about people, why, and when it deletes it. It is generated " +
		"from the data catalog in Steward's code, the same list the deletion jobs follow, so it cannot say something the " +
		"software does not do."
	noticeRights = "To see, correct, export or delete data about you, ask the company that manages your device or your login: " +
		"it controls the data. This version of Steward has no built-in request form yet."
)

// Generate builds both documents from the catalog.
func Generate() Documents {
	d := Documents{
		Records: Records{Title: "Records of processing activities (GDPR Art. 30)", Controller: controllerNote, Transfers: transfersNote,
			Activities: []Activity{}, NotCollected: []Absent{}},
		Plain: Notice{Title: "What Steward collects and how long it keeps it", Intro: noticeIntro, Rights: noticeRights,
			Items: []NoticeItem{}, NotCollected: []Absent{}},
	}
	for _, c := range catalog {
		if !c.Collected() {
			a := Absent{Category: c.Name, Title: c.Title, Reason: c.NotCollected}
			d.Records.NotCollected = append(d.Records.NotCollected, a)
			d.Plain.NotCollected = append(d.Plain.NotCollected, a)
			continue
		}
		d.Records.Activities = append(d.Records.Activities, Activity{
			Category: c.Name, Title: c.Title, Purpose: c.Purpose, LegalBasis: c.LegalBasis,
			Subjects: c.Subjects, Data: c.Fields, Recipients: c.Recipients, Transfers: "None",
			Condition: c.Gate, Retention: c.Rule.Summary, LegalRetention: c.LegalRetention,
			Safeguards: c.Safeguards, Clauses: c.Clauses,
		})
		d.Plain.Items = append(d.Plain.Items, NoticeItem{Title: c.Title, What: sentence(strings.Join(c.Fields, ", ")),
			Why: c.Purpose, When: sentence(c.Gate), HowLong: c.Rule.Summary})
	}
	return d
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

//go:embed templates/*.md.tmpl
var templateFS embed.FS

var mdTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"cell":     cell,
	"join":     func(s []string) string { return cell(strings.Join(s, "; ")) },
	"cols":     func(s []string) string { return "`" + strings.Join(s, "`, `") + "`" },
	"anchors":  anchorsText,
	"product":  seedProduct,
	"category": func(s []string) string { return categoryList(s) },
}).ParseFS(templateFS, "templates/*.md.tmpl"))

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func categoryList(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return "`" + strings.Join(s, "`, `") + "`"
}

func seedProduct(file string) string {
	for _, s := range seeds {
		if s.File == file {
			return s.Product
		}
	}
	return file
}

// anchorNouns name the events retention clocks start from.
var anchorNouns = map[steward.AnchorKind]string{
	steward.AnchorEvent:             "recording",
	steward.AnchorAccountDeleted:    "account deletion",
	steward.AnchorSubscriptionEnded: "subscription end",
	steward.AnchorDeviceReset:       "device reset",
	steward.AnchorCustomerDeleted:   "deletion by the customer",
	steward.AnchorFeatureDisabled:   "tracking off or consent withdrawn",
	steward.AnchorClosed:            "closing",
}

// anchorsText is a rule's clocks in short words: "2 months after recording;
// at device reset".
func anchorsText(as []steward.Anchor) string {
	var out []string
	for _, a := range as {
		noun := anchorNouns[a.Kind]
		if noun == "" {
			noun = string(a.Kind)
		}
		if a.After == 0 {
			out = append(out, "at "+noun)
		} else {
			out = append(out, Duration(a.After)+" after "+noun)
		}
	}
	return strings.Join(out, "; ")
}

// Duration writes d in the catalog's units: years, months, days or hours.
func Duration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d%Year == 0:
		return unit(int64(d/Year), "year")
	case d%Month == 0:
		return unit(int64(d/Month), "month")
	case d%Day == 0:
		return unit(int64(d/Day), "day")
	}
	return unit(int64(d/time.Hour), "hour")
}

// WriteRecordsMarkdown writes the records of processing as Markdown.
func WriteRecordsMarkdown(w io.Writer, r Records) error {
	return mdTemplates.ExecuteTemplate(w, "records.md.tmpl", r)
}

// WriteNoticeMarkdown writes the plain-language page as Markdown.
func WriteNoticeMarkdown(w io.Writer, n Notice) error {
	return mdTemplates.ExecuteTemplate(w, "notice.md.tmpl", n)
}

// WriteReferenceMarkdown writes docs/privacy.md: the catalog, its retention
// rules, the operational columns and the promise ledger.
func WriteReferenceMarkdown(w io.Writer) error {
	return mdTemplates.ExecuteTemplate(w, "reference.md.tmpl", struct {
		Catalog     []steward.Category
		Operational []OperationalGroup
		Promises    []Promise
		Seeds       []Seed
	}{catalog, operational, promises, seeds})
}

// WriteJSON writes v (Records, Notice or Documents) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
