package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStripPersonal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      CheckInRequest
		want    CheckInRequest
		refused []string
	}{
		{"nothing to refuse",
			CheckInRequest{Protocol: 1, Inventory: &Inventory{Model: "Pixel 8"}, Apps: &AppReport{Full: []App{{Package: "w", WorkProfile: true}}}},
			CheckInRequest{Protocol: 1, Inventory: &Inventory{Model: "Pixel 8"}, Apps: &AppReport{Full: []App{{Package: "w", WorkProfile: true}}}},
			nil},
		{"SIM and personal apps",
			CheckInRequest{Protocol: 1,
				Inventory: &Inventory{Model: "Pixel 8", SIM: &SIM{ICCID: "8944", PhoneNumber: "+44"}},
				Apps:      &AppReport{Full: []App{{Package: "p1"}, {Package: "w1", WorkProfile: true}, {Package: "p2"}, {Package: "w2", WorkProfile: true}}}},
			CheckInRequest{Protocol: 1, Inventory: &Inventory{Model: "Pixel 8"},
				Apps: &AppReport{Full: []App{{Package: "w1", WorkProfile: true}, {Package: "w2", WorkProfile: true}}}},
			[]string{RefusedICCID, RefusedPhoneNumber, RefusedPersonalApps}},
		{"empty SIM is dropped without a refusal",
			CheckInRequest{Protocol: 1, Inventory: &Inventory{SIM: &SIM{}}},
			CheckInRequest{Protocol: 1, Inventory: &Inventory{}},
			nil},
		{"only personal apps added; removals stay",
			CheckInRequest{Protocol: 1, Apps: &AppReport{Added: []App{{Package: "p"}}, Removed: []string{"gone"}}},
			CheckInRequest{Protocol: 1, Apps: &AppReport{Removed: []string{"gone"}}},
			[]string{RefusedPersonalApps}},
		{"a full list of personal apps becomes no list",
			CheckInRequest{Protocol: 1, Apps: &AppReport{Full: []App{{Package: "p"}}}},
			CheckInRequest{Protocol: 1, Apps: &AppReport{}},
			[]string{RefusedPersonalApps}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused := StripPersonal(&tc.in)
			if diff := cmp.Diff(tc.refused, refused); diff != "" {
				t.Errorf("refused (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
		})
	}
}
