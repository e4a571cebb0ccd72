// Package screenshots holds the programs, run as tests behind build tags,
// that show the portal's pages on the demo server (kho serve --demo):
//
//	make screenshots  (-tags screenshots) saves the main pages at 1280 and
//	                  360 px to docs/screenshots/*.png with Debian's Chromium
//	make lighthouse   (-tags lighthouse) runs npm lighthouse against them,
//	                  desktop and mobile, and writes the figures as a table
//
// Both start the demo server from a kho binary ($KHO_BIN, else one built
// into a temporary folder) on a fresh data folder, sign in with the demo
// accounts and make one submitted, received dossier for the staff pages.
// The pages shown are the one table Pages.
package screenshots
