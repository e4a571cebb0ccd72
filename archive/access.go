package archive

// MayActFor returns nil when a may act on ownerID's vault — staff and
// admin on any, a citizen on their own only — and Permission
// "not_own_vault" otherwise (Invalid "owner_required" for an empty ID).
// It reads nothing, so its answer never depends on whether the owner
// exists; callers check it before reading a request that names an owner.
func MayActFor(a Actor, ownerID string) error {
	if err := checkActor(a); err != nil {
		return err
	}
	return canOwner(a, ownerID)
}
