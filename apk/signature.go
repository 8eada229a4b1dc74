package apk

import (
	"fmt"
	"os"

	"github.com/avast/apkparser"
	"github.com/avast/apkverifier"
	"github.com/avast/apkverifier/apilevel"

	"github.com/stewardmdm/steward"
)

// verifySignature verifies f's signatures for every Android version from
// MinSupportedSDK (or the APK's minSdkVersion when higher) up, and records
// the scheme and signers in info. It returns a rejecting finding when they
// do not verify, including when the verifier panics on a malformed block.
func verifySignature(f *os.File, info *steward.APKInfo) (finding *steward.APKFinding) {
	defer func() {
		if p := recover(); p != nil {
			info.Schemes, info.Signers = []string{}, []steward.APKSigner{}
			finding = ptr(reject(CodeSignatureMalformed, "the signature block is malformed (the verifier failed on it: %v)", p))
		}
	}()
	info.Schemes, info.Signers = []string{}, []steward.APKSigner{}
	minSDK := int32(max(MinSupportedSDK, info.MinSDK))
	zr, err := apkparser.OpenZipReader(f)
	if err != nil {
		return ptr(reject(CodeCorruptZip, "the zip archive is damaged: %v", err))
	}
	defer zr.Close()
	res, err := apkverifier.VerifyWithSdkVersionReader(f, zr, minSDK, apilevel.V_AnyMax)
	if err != nil {
		return ptr(reject(CodeSignatureInvalid, "the signature does not verify for Android API %d and later: %v", minSDK, err))
	}
	if len(res.SignerCerts) == 0 {
		return ptr(reject(CodeSignatureInvalid, "the APK is not signed"))
	}
	switch res.SigningSchemeId {
	case 31:
		info.Schemes = []string{"v3.1"}
	default:
		info.Schemes = []string{fmt.Sprintf("v%d", res.SigningSchemeId)}
	}
	for _, chain := range res.SignerCerts {
		if len(chain) == 0 {
			continue
		}
		c := chain[0]
		info.Signers = append(info.Signers, steward.APKSigner{
			CertSHA256: certSHA256(c.Raw),
			Subject:    c.Subject.String(),
			Issuer:     c.Issuer.String(),
			NotBefore:  c.NotBefore.UTC(),
			NotAfter:   c.NotAfter.UTC(),
		})
	}
	return nil
}
