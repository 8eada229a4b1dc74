package testutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// Cert is a certificate made for a test, with its key.
type Cert struct {
	PEM    string // the certificate
	KeyPEM string // its private key (PKCS #8)
	SHA256 string // of the DER encoding, lower-case hex
	Cert   *x509.Certificate
	key    *ecdsa.PrivateKey
}

// NewCA makes a self-signed CA certificate named cn, valid from notBefore
// to notAfter.
func NewCA(t testing.TB, cn string, notBefore, notAfter time.Time) *Cert {
	t.Helper()
	return makeCert(t, cn, true, notBefore, notAfter, nil)
}

// NewClientCert makes a client certificate named cn signed by ca, valid a
// year from now.
func NewClientCert(t testing.TB, ca *Cert, cn string, now time.Time) *Cert {
	t.Helper()
	return makeCert(t, cn, false, now.Add(-time.Hour), now.AddDate(1, 0, 0), ca)
}

func makeCert(t testing.TB, cn string, isCA bool, notBefore, notAfter time.Time, parent *Cert) *Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"Example Corp"}},
		NotBefore: notBefore, NotAfter: notAfter, BasicConstraintsValid: true, IsCA: isCA}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	signer, issuer := key, tmpl
	if parent != nil {
		signer, issuer = parent.key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return &Cert{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})),
		SHA256: hex.EncodeToString(sum[:]), Cert: c, key: key}
}
