// Package workflow will hold the procedures catalogue, process definitions,
// dossiers and their status state machine, working-time deadlines, slips,
// notifications and result issuance. Nothing is implemented yet.
package workflow
