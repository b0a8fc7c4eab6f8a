// Package codec encrypts every payload Closeloop hands to Temporal —
// workflow inputs and results, signals, updates, queries, activity
// arguments, memos — with AES-256-GCM, so the engine's database, its CLI
// and its web UI hold ciphertext only. Search attributes are not payloads
// the SDK encodes: they must not carry customer data (see workflows).
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	MetadataEncoding = "encoding"
	MetadataKeyID    = "encryption-key-id"
	// Encoding marks a payload this codec encrypted.
	Encoding = "binary/encrypted"
)

// KeySize is AES-256's key length.
const KeySize = 32

// Key is one encryption key and the id stored with what it encrypted.
type Key struct {
	ID     string
	Secret []byte
}

// Codec is a converter.PayloadCodec: the first key of its ring encrypts,
// every key decrypts what it wrote.
type Codec struct {
	newest string
	aeads  map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New makes a codec of a keyring, newest key first.
func New(keys []Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("payload codec: no key")
	}
	c := &Codec{newest: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		if err := checkID(k.ID); err != nil {
			return nil, err
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("payload key %q: %d bytes, want %d (AES-256)", k.ID, len(k.Secret), KeySize)
		}
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("payload key %q: listed twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

// KeyID is the id of the key that encrypts.
func (c *Codec) KeyID() string { return c.newest }

// DataConverter is the SDK's default converter with this codec under it,
// for every client and worker of the installation.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// Encode encrypts each payload with the newest key: the whole marshalled
// payload (its metadata too, which names the type) is sealed, under a
// fresh random nonce, and the key's id is bound in as associated data so
// a payload cannot be passed off as another key's.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.newest]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload codec: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payload codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{MetadataEncoding: []byte(Encoding), MetadataKeyID: []byte(c.newest)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.newest)),
		}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes any other
// through unchanged: histories written before the codec still read.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("payload codec: payload encrypted with key %q, which is not in the keyring (CLOSELOOP_PAYLOAD_KEYS or the key file): add it back to read it", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return nil, fmt.Errorf("payload codec: encrypted payload too short (%d bytes)", len(data))
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("payload codec: payload does not decrypt with key %q: %w", id, err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("payload codec: decrypted payload: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}
