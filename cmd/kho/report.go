package main

// reportCommand is `kho report`: the reports and statistics of issue 13,
// each part's subcommands in its own file.
func reportCommand() *command {
	var sub []*command
	sub = append(sub, reportStatsCommands()...)    // dossier statistics (st-engine)
	sub = append(sub, reportTemplateCommands()...) // templates and periodic reports (st-templates)
	sub = append(sub, reportVaultCommand())        // vault statistics (st-vault)
	sub = append(sub, reportEMCCommand())          // the EMC feed (st-emc)
	return &command{
		name:    "report",
		usage:   "kho report COMMAND [flags]",
		summary: "reports: dossier and vault statistics, report templates, periodic reports, the EMC feed",
		vi:      "Báo cáo: thống kê hồ sơ và kho, mẫu báo cáo, báo cáo định kỳ, kết nối EMC",
		sub:     sub,
	}
}
