package main

import "time"

// statsJobInterval is how often `kho serve` counts the dossiers changed
// since the last run (the leased job "dossier-stats"): the statistics
// lag the dossiers by about this much (DossierStats.AsOf says exactly).
const statsJobInterval = 30 * time.Second
