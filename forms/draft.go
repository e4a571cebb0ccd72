package forms

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// DefaultDraftTTL is how long a draft is kept after its last save.
const DefaultDraftTTL = 30 * 24 * time.Hour

// DraftKeySize is the size of a drafts key (AES-256).
const DraftKeySize = 32

// Draft is a saved, partly filled form: data that need not be valid yet,
// kept for its owner until ExpiresAt.
type Draft struct {
	ID        string         `json:"id"`
	Form      string         `json:"form"`
	Version   int            `json:"version"`
	Data      map[string]any `json:"data,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
	UpdatedAt time.Time      `json:"updatedAt"`
	ExpiresAt time.Time      `json:"expiresAt"`
}

// Drafts saves and resumes drafts for their owners, encrypted at rest with
// AES-256-GCM: the associated data binds each ciphertext to its draft ID,
// owner and form, so sealed bytes moved to another owner's or form's
// record do not open. Saving does not require valid data; it bounds its
// size and drops fields the form does not have, with a warning. A draft
// expires TTL after its last save: then it answers NotFound and Sweep
// removes it.
type Drafts struct {
	store    DraftStore
	aead     cipher.AEAD
	keyID    byte
	idKey    []byte // derives the IDs of DerivedID
	ttl      time.Duration
	now      func() time.Time
	maxBytes int
}

// NewDrafts returns drafts kept in store and sealed with key (32 bytes).
// ttl <= 0 is DefaultDraftTTL; a nil now is time.Now.
func NewDrafts(store DraftStore, key []byte, ttl time.Duration, now func() time.Time) (*Drafts, error) {
	if len(key) != DraftKeySize {
		return nil, kerr.New(kerr.Invalid, "draft_key_invalid", "Khóa mã hóa bản nháp phải dài 32 byte.", "drafts key of %d bytes, want %d", len(key), DraftKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "draft_key_invalid", "Khóa mã hóa bản nháp không dùng được.")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "draft_key_invalid", "Khóa mã hóa bản nháp không dùng được.")
	}
	if ttl <= 0 {
		ttl = DefaultDraftTTL
	}
	if now == nil {
		now = time.Now
	}
	sum := sha256.Sum256(key)
	idMAC := hmac.New(sha256.New, key)
	idMAC.Write([]byte("kho-form-draft-id-key"))
	return &Drafts{store: store, aead: aead, keyID: sum[0], idKey: idMAC.Sum(nil), ttl: ttl, now: now, maxBytes: DefaultMaxDataBytes}, nil
}

// TTL returns how long a draft is kept after its last save.
func (ds *Drafts) TTL() time.Duration { return ds.ttl }

var draftIDRE = regexp.MustCompile(`^[a-z2-7]{26}$`)

func newDraftID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return draftIDOf(b[:])
}

// draftIDOf is 16 bytes as a draft ID: 26 lower-case base32 letters.
func draftIDOf(b []byte) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:16]))
}

// DerivedID is the ID of owner's one draft for scope (for example a
// dossier's code and one of its components' codes), for Put: the same
// for the same owner and scope, another for any other. It is an HMAC
// keyed by the drafts key, so no one without the key can compute or
// guess another owner's ID, nor read the owner or scope from it.
func (ds *Drafts) DerivedID(owner string, scope ...string) string {
	m := hmac.New(sha256.New, ds.idKey)
	var buf []byte
	for _, part := range append([]string{owner}, scope...) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(part)))
		m.Write(buf)
		m.Write([]byte(part))
	}
	return draftIDOf(m.Sum(nil))
}

func errDraftNotFound(id string) error {
	return kerr.New(kerr.NotFound, "draft_not_found", "Không tìm thấy bản nháp (có thể đã hết hạn lưu).", "no draft %q for this owner and form", id)
}

func (ds *Drafts) clock() time.Time { return ds.now().UTC().Truncate(time.Millisecond) }

// Create saves data as a new draft of d for owner and returns it, with a
// warning for each field dropped.
func (ds *Drafts) Create(ctx context.Context, owner string, d *Definition, data []byte) (Draft, []FieldError, error) {
	clean, warnings, err := ds.strip(d, data)
	if err != nil {
		return Draft{}, nil, err
	}
	now := ds.clock()
	sd := StoredDraft{ID: newDraftID(), OwnerID: owner, Form: d.Code, Version: d.Version,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ds.ttl), Rev: 1}
	if sd.Sealed, err = ds.seal(sd, clean); err != nil {
		return Draft{}, nil, err
	}
	if err := ds.store.CreateDraft(ctx, sd); err != nil {
		return Draft{}, nil, err
	}
	return draftOf(sd, clean), warnings, nil
}

// Save replaces the data of the owner's draft id of d's form (now of d's
// version) and extends its life by the TTL. NotFound when the draft is
// not the owner's, is of another form, or expired.
func (ds *Drafts) Save(ctx context.Context, owner, id string, d *Definition, data []byte) (Draft, []FieldError, error) {
	clean, warnings, err := ds.strip(d, data)
	if err != nil {
		return Draft{}, nil, err
	}
	for attempt := 0; ; attempt++ {
		sd, err := ds.load(ctx, owner, d.Code, id)
		if err != nil {
			return Draft{}, nil, err
		}
		if sd, err = ds.update(ctx, sd, d, clean); err == nil {
			return draftOf(sd, clean), warnings, nil
		}
		if !kerr.IsKind(err, kerr.Conflict) || attempt >= 5 {
			return Draft{}, nil, err
		}
	}
}

// Put saves data as the owner's draft id of d's form, making it or
// replacing what it held: a draft kept under an ID the caller derives
// (DerivedID) instead of one Create draws. The owner's expired draft, or
// draft of another form, under id is replaced by a new one. NotFound,
// and nothing written, when id is no draft ID or is another owner's
// draft.
func (ds *Drafts) Put(ctx context.Context, owner, id string, d *Definition, data []byte) (Draft, []FieldError, error) {
	if !draftIDRE.MatchString(id) {
		return Draft{}, nil, errDraftNotFound(id)
	}
	clean, warnings, err := ds.strip(d, data)
	if err != nil {
		return Draft{}, nil, err
	}
	for attempt := 0; ; attempt++ {
		sd, err := ds.store.GetDraft(ctx, id)
		switch {
		case kerr.IsKind(err, kerr.NotFound):
			now := ds.clock()
			sd = StoredDraft{ID: id, OwnerID: owner, Form: d.Code, Version: d.Version,
				CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ds.ttl), Rev: 1}
			if sd.Sealed, err = ds.seal(sd, clean); err == nil {
				err = ds.store.CreateDraft(ctx, sd)
			}
		case err != nil:
		case sd.OwnerID != owner:
			return Draft{}, nil, errDraftNotFound(id)
		case sd.Form != d.Code || !ds.clock().Before(sd.ExpiresAt):
			// Gone stale: made anew on the next turn.
			if err = ds.store.DeleteDraft(ctx, id); kerr.IsKind(err, kerr.NotFound) {
				err = nil
			}
			if err == nil {
				continue
			}
		default:
			sd, err = ds.update(ctx, sd, d, clean)
		}
		if err == nil {
			return draftOf(sd, clean), warnings, nil
		}
		// Lost a race: made, changed or removed meanwhile.
		if !(kerr.IsKind(err, kerr.Conflict) || kerr.IsKind(err, kerr.NotFound)) || attempt >= 5 {
			return Draft{}, nil, err
		}
	}
}

// update seals clean as sd's new data of d's version, extends its life
// and writes it if sd is still at its revision (Conflict if not).
func (ds *Drafts) update(ctx context.Context, sd StoredDraft, d *Definition, clean map[string]any) (StoredDraft, error) {
	now := ds.clock()
	expected := sd.Rev
	sd.Version, sd.UpdatedAt, sd.ExpiresAt, sd.Rev = d.Version, now, now.Add(ds.ttl), expected+1
	var err error
	if sd.Sealed, err = ds.seal(sd, clean); err != nil {
		return sd, err
	}
	return sd, ds.store.UpdateDraft(ctx, sd, expected)
}

// Get opens the owner's draft id of the form.
func (ds *Drafts) Get(ctx context.Context, owner, form, id string) (Draft, error) {
	sd, err := ds.load(ctx, owner, form, id)
	if err != nil {
		return Draft{}, err
	}
	data, err := ds.open(sd)
	if err != nil {
		return Draft{}, err
	}
	return draftOf(sd, data), nil
}

// List returns the owner's unexpired drafts of the form (all forms for
// ""), without their data, by ID.
func (ds *Drafts) List(ctx context.Context, owner, form string) ([]Draft, error) {
	sds, err := ds.store.ListDrafts(ctx, owner, form)
	if err != nil {
		return nil, err
	}
	now := ds.clock()
	out := []Draft{}
	for _, sd := range sds {
		if sd.OwnerID == owner && now.Before(sd.ExpiresAt) {
			out = append(out, draftOf(sd, nil))
		}
	}
	return out, nil
}

// Delete removes the owner's draft id of the form.
func (ds *Drafts) Delete(ctx context.Context, owner, form, id string) error {
	if _, err := ds.load(ctx, owner, form, id); err != nil {
		return err
	}
	err := ds.store.DeleteDraft(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) {
		return errDraftNotFound(id)
	}
	return err
}

// Sweep removes up to limit expired drafts and returns how many.
func (ds *Drafts) Sweep(ctx context.Context, limit int) (int, error) {
	return ds.store.DeleteExpiredDrafts(ctx, ds.clock(), limit)
}

// load returns the stored draft when it is the owner's, of the form and
// not expired; NotFound otherwise, whatever the reason.
func (ds *Drafts) load(ctx context.Context, owner, form, id string) (StoredDraft, error) {
	if !draftIDRE.MatchString(id) {
		return StoredDraft{}, errDraftNotFound(id)
	}
	sd, err := ds.store.GetDraft(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) {
		return StoredDraft{}, errDraftNotFound(id)
	}
	if err != nil {
		return StoredDraft{}, err
	}
	if sd.OwnerID != owner || sd.Form != form || !ds.clock().Before(sd.ExpiresAt) {
		return StoredDraft{}, errDraftNotFound(id)
	}
	return sd, nil
}

func draftOf(sd StoredDraft, data map[string]any) Draft {
	return Draft{ID: sd.ID, Form: sd.Form, Version: sd.Version, Data: data,
		CreatedAt: sd.CreatedAt, UpdatedAt: sd.UpdatedAt, ExpiresAt: sd.ExpiresAt}
}

// aad binds a sealed draft to its ID, owner and form.
func aad(sd StoredDraft) []byte {
	return []byte("kho-form-draft\x00" + sd.ID + "\x00" + sd.OwnerID + "\x00" + sd.Form)
}

// seal encrypts data's canonical JSON: key ID, nonce, ciphertext.
func (ds *Drafts) seal(sd StoredDraft, data map[string]any) ([]byte, error) {
	var plain bytes.Buffer
	writeCanonical(&plain, data)
	nonce := make([]byte, ds.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "draft_seal_failed", "Không mã hóa được bản nháp.")
	}
	out := append([]byte{ds.keyID}, nonce...)
	return ds.aead.Seal(out, nonce, plain.Bytes(), aad(sd)), nil
}

// open decrypts a stored draft's data.
func (ds *Drafts) open(sd StoredDraft) (map[string]any, error) {
	ns := ds.aead.NonceSize()
	if len(sd.Sealed) < 1+ns || sd.Sealed[0] != ds.keyID {
		return nil, kerr.New(kerr.Integrity, "draft_unreadable", "Không mở được bản nháp (khóa mã hóa đã đổi).", "draft %s: sealed with another key or truncated", sd.ID)
	}
	plain, err := ds.aead.Open(nil, sd.Sealed[1:1+ns], sd.Sealed[1+ns:], aad(sd))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Integrity, "draft_unreadable", "Không mở được bản nháp: dữ liệu đã bị thay đổi.")
	}
	tree, _, err := readTree(plain, treeLimits{maxDepth: 16})
	m, ok := tree.(map[string]any)
	if err != nil || !ok {
		return nil, kerr.New(kerr.Integrity, "draft_unreadable", "Không mở được bản nháp.", "draft %s: sealed data is not a JSON object", sd.ID)
	}
	return m, nil
}

// strip reads a draft's data: a JSON object within the size and value
// limits, from which it drops, with a warning each, the keys the form
// does not have (in rows too). Values are kept as sent, valid or not.
func (ds *Drafts) strip(d *Definition, data []byte) (map[string]any, []FieldError, error) {
	if d.idx == nil {
		return nil, nil, kerr.New(kerr.Internal, "form_definition_unchecked", "Biểu mẫu chưa được kiểm tra.", "draft of unchecked definition %s", d.Code)
	}
	if len(data) > ds.maxBytes {
		return nil, nil, kerr.New(kerr.TooLarge, "draft_too_large", "Bản nháp quá lớn (tối đa "+itoa(ds.maxBytes/1024)+" KiB).", "draft of %d bytes", len(data))
	}
	obj, fe := ParseData(data, DataOptions{MaxBytes: ds.maxBytes, Subject: "Dữ liệu bản nháp"})
	if fe != nil {
		if fe.Code == CodeTooManyValues {
			return nil, nil, kerr.New(kerr.TooLarge, "draft_too_large", "Bản nháp có quá nhiều giá trị (tối đa "+itoa(DefaultMaxDataValues)+").", "draft data: %s", fe.Code)
		}
		// The rules, and so the codes, of a form's data (ParseData).
		return nil, nil, kerr.New(kerr.Invalid, fe.Code, fe.Message, "draft data refused: %s at %q", fe.Code, fe.Field)
	}
	var warnings []FieldError
	d.stripScope(nil, obj, "", &warnings)
	return obj, warnings, nil
}

func (d *Definition) stripScope(rows *fieldInfo, obj map[string]any, prefix string, warnings *[]FieldError) {
	for _, k := range sortedKeys(obj) {
		fi := d.idx.byCode[k]
		if fi == nil || fi.rows != rows || !(fi.f.Type.hasValue() || fi.f.Type == TypeRows) {
			delete(obj, k)
			p := prefix + k
			if !plainKey(k) {
				p = prefix + strconv.Quote(k)
			}
			*warnings = append(*warnings, FieldError{Field: p, Code: "unknown_field",
				Message: "Biểu mẫu không có trường thông tin «" + shortText(k) + "»; đã bỏ khỏi bản nháp."})
			continue
		}
		if fi.f.Type == TypeRows {
			list, _ := obj[k].([]any)
			for i, r := range list {
				if ro, ok := r.(map[string]any); ok {
					d.stripScope(fi, ro, prefix+k+"["+itoa(i)+"].", warnings)
				}
			}
		}
	}
}
