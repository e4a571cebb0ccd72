// Package workflow is the dossier lifecycle (2025 appendix items 3–4, 6–9,
// 12–21 and 26–27): the procedure catalogue, versioned process
// definitions, the staff directory, dossiers (hồ sơ) with their
// components, and the status state machine with its trail.
//
// The state machine is one table (Transitions, machine.go): from which
// statuses an action leads to which, who may take it and which fields it
// needs. The service consults it for every action, the tests walk it row
// by row, and docs/workflow.md is rendered from it (MachineMarkdown).
//
// A transition is one conditional update of the dossier record: the
// store writes the new record only if the stored one still has the
// status and revision the action started from, and the record carries
// its trail, so the trail entry is written in the same update. Two
// officers acting at once: one wins, the other gets Conflict
// "dossier_changed", and the trail loses nothing.
//
// The package declares the small interfaces it consumes: Store (store.go,
// implemented by storage/sqlite and storage/mongo, conformance suite
// workflow/workflowtest), Vault (the parts of archive.Service it uses),
// Forms (the eForm registry) and Deadlines (working-time arithmetic; the
// calendar fills it, PlainDeadlines until then). Result issuance, slips,
// notifications and search plug in later through the same kind of seams.
package workflow
