package apk

import "sort"

// dangerous holds Android's permissions of protection level "dangerous"
// (runtime permissions the user must grant). Source: the platform's
// frameworks/base/core/res/AndroidManifest.xml, as extracted per API level
// by androguard (api_specific_resources/aosp_permissions, up to API 28),
// plus those added since and documented as runtime permissions in the
// Manifest.permission reference (API 29 to 34).
var dangerous = map[string]bool{
	"android.permission.ACCEPT_HANDOVER":                 true,
	"android.permission.ACCESS_BACKGROUND_LOCATION":      true, // 29
	"android.permission.ACCESS_COARSE_LOCATION":          true,
	"android.permission.ACCESS_FINE_LOCATION":            true,
	"android.permission.ACCESS_MEDIA_LOCATION":           true, // 29
	"android.permission.ACTIVITY_RECOGNITION":            true, // 29
	"android.permission.ANSWER_PHONE_CALLS":              true,
	"android.permission.BLUETOOTH_ADVERTISE":             true, // 31
	"android.permission.BLUETOOTH_CONNECT":               true, // 31
	"android.permission.BLUETOOTH_SCAN":                  true, // 31
	"android.permission.BODY_SENSORS":                    true,
	"android.permission.BODY_SENSORS_BACKGROUND":         true, // 33
	"android.permission.CALL_PHONE":                      true,
	"android.permission.CAMERA":                          true,
	"android.permission.GET_ACCOUNTS":                    true,
	"android.permission.NEARBY_WIFI_DEVICES":             true, // 33
	"android.permission.POST_NOTIFICATIONS":              true, // 33
	"android.permission.PROCESS_OUTGOING_CALLS":          true,
	"android.permission.READ_CALENDAR":                   true,
	"android.permission.READ_CALL_LOG":                   true,
	"android.permission.READ_CELL_BROADCASTS":            true,
	"android.permission.READ_CONTACTS":                   true,
	"android.permission.READ_EXTERNAL_STORAGE":           true,
	"android.permission.READ_MEDIA_AUDIO":                true, // 33
	"android.permission.READ_MEDIA_IMAGES":               true, // 33
	"android.permission.READ_MEDIA_VIDEO":                true, // 33
	"android.permission.READ_MEDIA_VISUAL_USER_SELECTED": true, // 34
	"android.permission.READ_PHONE_NUMBERS":              true,
	"android.permission.READ_PHONE_STATE":                true,
	"android.permission.READ_SMS":                        true,
	"android.permission.RECEIVE_MMS":                     true,
	"android.permission.RECEIVE_SMS":                     true,
	"android.permission.RECEIVE_WAP_PUSH":                true,
	"android.permission.RECORD_AUDIO":                    true,
	"android.permission.SEND_SMS":                        true,
	"android.permission.USE_SIP":                         true,
	"android.permission.UWB_RANGING":                     true, // 31
	"android.permission.WRITE_CALENDAR":                  true,
	"android.permission.WRITE_CALL_LOG":                  true,
	"android.permission.WRITE_CONTACTS":                  true,
	"android.permission.WRITE_EXTERNAL_STORAGE":          true,
	"com.android.voicemail.permission.ADD_VOICEMAIL":     true,
}

// dangerousAmong returns the dangerous permissions among perms, sorted.
func dangerousAmong(perms []string) []string {
	out := []string{}
	for _, p := range perms {
		if dangerous[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
