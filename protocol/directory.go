package protocol

// The company directory a device holds: the shared contacts and the
// manifest of the shared files whose targets cover it. GET PathDirectory
// answers a DirectoryResponse with its version as the ETag; with
// If-None-Match naming the version the device holds, it answers 304 Not
// Modified instead. Each file is fetched from its DownloadPath
// (PathFileDownload; Range requests allowed), and checked against its
// SHA-256 before use. Whatever the device held that the answer no longer
// lists, it deletes.

// DirectoryResponse is a device's directory. An empty Version means that
// nothing targets the device.
type DirectoryResponse struct {
	Version  string             `json:"version"`
	Contacts []DirectoryContact `json:"contacts"`
	Files    []DirectoryFile    `json:"files"`
}

// DirectoryContact is one shared contact.
type DirectoryContact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Note  string `json:"note,omitempty"`
}

// DirectoryFile is one entry of the file manifest. Name is a plain file
// name (no folders, no characters a file system refuses); two files of one
// directory may share a name when different accounts shared them.
type DirectoryFile struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"` // lower-case hex
	Description  string `json:"description,omitempty"`
	DownloadPath string `json:"download_path"` // PathFileDownload with the ID
}
