package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
)

// The formats, byte by byte.
//
// A sealed secret:
//
//	format      1 byte   formatV1
//	key version 4 bytes  big-endian: the version of the account's data key
//	nonce      12 bytes  random
//	ciphertext  n bytes  AES-256-GCM of the plaintext
//	tag        16 bytes
//
// Its GCM associated data is sealAAD: the 5 header bytes, the account ID
// and the caller's associated data, each length-prefixed, so a ciphertext
// opens only for the account and field it was sealed for, and changing the
// header breaks the tag.
//
// A wrapped data key (account_keys.wrapped_key): nonce (12 bytes), the 32
// key bytes encrypted with the master key (AES-256-GCM), tag (16 bytes).
// Its associated data, wrapAAD, binds it to its account ID, key version and
// master key ID: a row copied to another account or relabelled with
// another master key does not unwrap.
const (
	formatV1  = 1
	headerLen = 5
	keyLen    = 32
	// overhead is what sealing adds to a plaintext: header, nonce and tag.
	overhead = headerLen + 12 + 16
)

// newAEAD returns AES-256-GCM with a random 12-byte nonce prepended to
// each ciphertext.
func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(b)
}

func header(version int) []byte {
	h := make([]byte, headerLen, headerLen+12+16+64)
	h[0] = formatV1
	binary.BigEndian.PutUint32(h[1:], uint32(version))
	return h
}

// parseHeader returns the data-key version of a sealed secret.
func parseHeader(sealed []byte) (int, error) {
	if len(sealed) < overhead {
		return 0, fmt.Errorf("%d bytes, shorter than any sealed secret", len(sealed))
	}
	if sealed[0] != formatV1 {
		return 0, fmt.Errorf("unknown format %d", sealed[0])
	}
	v := binary.BigEndian.Uint32(sealed[1:headerLen])
	if v == 0 || v > maxVersion {
		return 0, fmt.Errorf("key version %d out of range", v)
	}
	return int(v), nil
}

const maxVersion = 1<<31 - 1

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func sealAAD(hdr []byte, accountID, aad string) []byte {
	b := make([]byte, 0, 32+len(hdr)+len(accountID)+len(aad))
	b = append(b, "steward secret\x00"...)
	b = append(b, hdr...)
	b = appendString(b, accountID)
	return appendString(b, aad)
}

func wrapAAD(accountID string, version int, masterKeyID string) []byte {
	b := make([]byte, 0, 64+len(accountID)+len(masterKeyID))
	b = append(b, "steward account key\x00"...)
	b = appendString(b, accountID)
	b = binary.BigEndian.AppendUint32(b, uint32(version))
	return appendString(b, masterKeyID)
}
