package main

// archiveCommand is `kho archive`: the archivists' work on the store —
// conversion, digitisation, paper copies, retention, fixity, transfer and
// long-term validation renewal. Each subcommand opens the store as
// `kho gc` does (bindStore); none changes an original or its signature.
func archiveCommand() *command {
	return &command{
		name:    "archive",
		usage:   "kho archive COMMAND [flags]",
		summary: "the archive: convert, digitise, print paper copies, keep retention, check fixity, export and import",
		vi:      "Lưu trữ: chuyển đổi, số hoá, in bản giấy, thời hạn lưu trữ, kiểm tra toàn vẹn, xuất và nhập",
		sub:     archiveSubcommands(),
	}
}

// archiveSubcommands are the subcommands of `kho archive`, one section
// for each part of the archive.
func archiveSubcommands() []*command {
	var sub []*command
	// Conversion (arc-convert).
	sub = append(sub, archiveConvertCommand())

	// Digitisation (arc-digitise).
	sub = append(sub, archiveDigitiseCommand())

	// Paper copies (arc-paper).
	sub = append(sub, archivePaperCommand())

	// Retention, legal holds, disposal (arc-retention).
	sub = append(sub, retentionCommands()...)

	// Fixity (arc-fixity).
	sub = append(sub, archiveFixityCommand())

	// Transfer: BagIt export and import (arc-bagit).
	sub = append(sub, archiveBagitCommands()...)

	// Long-term validation renewal (arc-ltv).
	sub = append(sub, archiveRenewCommand())

	return sub
}
