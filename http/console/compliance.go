package console

import (
	"net/http"

	"github.com/stewardmdm/steward"
)

// stateCount is one compliance state with its number of devices, for the
// dashboard and the list's tabs.
type stateCount struct {
	State steward.ComplianceState
	Label string
	Hint  string
	Count int
}

// complianceLabels name the states in the console, with what each means.
var complianceLabels = map[steward.ComplianceState][2]string{
	steward.ComplianceCompliant:    {"Compliant", "Reported the current policy version, every setting applied or not applicable"},
	steward.ComplianceNonCompliant: {"Non-compliant", "A setting of the current policy version failed"},
	steward.CompliancePending:      {"Pending", "No report on the current policy version yet, or a setting still under way"},
	steward.ComplianceUnknown:      {"Unknown", "No policy targets the device and it reported nothing"},
}

func stateCounts(counts map[steward.ComplianceState]int) []stateCount {
	out := make([]stateCount, 0, len(steward.ComplianceStates))
	for _, st := range steward.ComplianceStates {
		l := complianceLabels[st]
		out = append(out, stateCount{State: st, Label: l[0], Hint: l[1], Count: counts[st]})
	}
	return out
}

// compliancePage is how many devices one page of the list shows.
const compliancePage = 50

// complianceView is the data of the compliance list.
type complianceView struct {
	State       steward.ComplianceState
	Label       string
	Hint        string
	Counts      []stateCount
	Total       int
	Items       []*steward.DeviceCompliance
	After, Next string
}

// compliance lists the devices of the actor's subtree in one compliance
// state, non-compliant by default, with what failed.
func (c *Console) compliance(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	f := steward.ComplianceFilter{State: steward.ComplianceState(q.Get("state")), After: q.Get("after"), Limit: compliancePage}
	if f.State == "" {
		f.State = steward.ComplianceNonCompliant
	}
	sum, err := c.svc.Compliance(r.Context(), f)
	if err != nil {
		return nil, err
	}
	l := complianceLabels[sum.State]
	v := complianceView{State: sum.State, Label: l[0], Hint: l[1], Counts: stateCounts(sum.Counts), Total: sum.Total,
		Items: sum.Items, After: f.After, Next: sum.Next}
	p.Title, p.Nav, p.Data = l[0]+" devices", "devices", v
	return render("compliance")
}
