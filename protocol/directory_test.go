package protocol

import "strings"

func directoryGoldens() []golden {
	file := "01jnqd2f4h6k8m0p2r4t6v8x0z"
	return []golden{
		{"checkin-response-directory", CheckInResponse{CheckInIntervalSeconds: 900, AgentEnabled: true, Commands: []Command{},
			DirectoryVersion: "5d1c0b7e9a3f2e4d6c8b0a1f3e5d7c9b", ServerTime: exampleTime}},
		{"push-refresh-directory", PushMessage{Type: PushRefresh, Refresh: []string{RefreshDirectory}}},
		{"directory-response", DirectoryResponse{Version: "5d1c0b7e9a3f2e4d6c8b0a1f3e5d7c9b",
			Contacts: []DirectoryContact{
				{ID: "01jnqd0a2c4e6g8j0m2p4r6t8w", Name: "Facilities", Phone: "+44 20 7946 0123", Note: "Keys, lifts and the car park."},
				{ID: "01jnqd0a2c4e6g8j0m2p4r6t8x", Name: "IT service desk", Email: "servicedesk@example.com", Phone: "+44 20 7946 0000",
					Note: "Weekdays 08:00–18:00."},
			},
			Files: []DirectoryFile{{ID: file, Name: "Emergency plan.pdf", ContentType: "application/pdf", Size: 482133,
				SHA256: "7a3f9c2e1b0d8f6e4c2a0b9d7f5e3c1a2b4d6f8e0c2a4b6d8f0e2c4a6b8d0f2e", Description: "Evacuation routes, floor by floor.",
				DownloadPath: strings.Replace(PathFileDownload, "{id}", file, 1)}},
		}},
		{"directory-response-empty", DirectoryResponse{Contacts: []DirectoryContact{}, Files: []DirectoryFile{}}},
	}
}
