#!/usr/bin/env bash
# testenv.sh — start and stop the real servers the integration tests use.
#
#   scripts/testenv.sh up     install/build what is missing, start PostgreSQL,
#                             FerretDB, MinIO, Mailpit (SMTP), Gotenberg
#                             (with LibreOffice and Chromium) and the test
#                             OpenID Connect provider on 127.0.0.1
#                             (free ports), wait until they answer, write $STATE/env.sh
#   scripts/testenv.sh env    print the env file (eval "$(scripts/testenv.sh env)")
#   scripts/testenv.sh down   stop what `up` started and delete its data;
#                             safe to call twice and from a trap
#
# STATE is $KHO_TESTENV_STATE, default /tmp/kho-testenv-$UID/default. Give each
# concurrent run its own STATE (scripts/test.sh does). If KHO_TESTENV_OWNER is
# a pid, a later `up` stops this run's servers once that process is gone (a
# test run killed with SIGKILL leaks nothing for long).
#
# Binaries are built once into $KHO_CACHE (default ~/.cache/kho) and reused.
set -euo pipefail

# ---- pinned versions: change them here only --------------------------------
PG_MAJOR=15
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_PACKAGE=github.com/FerretDB/FerretDB/cmd/ferretdb
FERRETDB_VERSION=v1.24.0
MINIO_MODULE=github.com/minio/minio
MINIO_PACKAGE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MAILPIT_MODULE=github.com/axllent/mailpit
MAILPIT_PACKAGE=github.com/axllent/mailpit
MAILPIT_VERSION=v1.33.1
GOTENBERG_MODULE=github.com/gotenberg/gotenberg/v8
GOTENBERG_PACKAGE=github.com/gotenberg/gotenberg/v8/cmd/gotenberg
GOTENBERG_VERSION=v8.36.0
AXE_VERSION=4.14.1 # npm axe-core: the accessibility checks of the browser tests
# -----------------------------------------------------------------------------

CACHE=${KHO_CACHE:-$HOME/.cache/kho}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_BASE=/tmp/kho-testenv-$(id -u)
STATE=${KHO_TESTENV_STATE:-$STATE_BASE/default}
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
READY_TIMEOUT=${KHO_TESTENV_TIMEOUT:-60}
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
export GOTOOLCHAIN=auto

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# show_log FILE: the last lines of a server log, for error messages.
show_log() {
	if [[ -s $1 ]]; then
		log "---- last lines of $1 ----"
		tail -n 40 "$1" >&2 || true
		log "---- end of $1 ----"
	fi
}

# as_pg CMD...: run CMD as user postgres when we are root (PostgreSQL refuses root).
as_pg() {
	if [[ $EUID -ne 0 ]]; then
		"$@"
	elif command -v runuser >/dev/null; then
		runuser -u postgres -- "$@"
	else
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	fi
}

# ---- installing and building ------------------------------------------------

install_packages() {
	local pkgs=()
	[[ -x $PGBIN/initdb ]] || pkgs+=(postgresql)
	command -v curl >/dev/null || pkgs+=(curl)
	command -v flock >/dev/null || pkgs+=(util-linux)
	command -v pdfsig >/dev/null || pkgs+=(poppler-utils) # the independent signature check (signing tests)
	command -v qpdf >/dev/null || pkgs+=(qpdf)             # structure check of the DSS updates (signing tests)
	command -v openssl >/dev/null || pkgs+=(openssl)      # cross-checks of the test PKI
	command -v gcc >/dev/null || pkgs+=(gcc)              # cgo: the PKCS#11 tests (scripts/test.sh checks it)
	# Signatures made by other software (signing tests, TestForeignSignatures):
	# pdfsig signs over an NSS database made with certutil/pk12util; PDFBox 2
	# with BouncyCastle signs from a small Java program compiled with javac.
	command -v certutil >/dev/null && command -v pk12util >/dev/null || pkgs+=(libnss3-tools)
	command -v javac >/dev/null && command -v java >/dev/null || pkgs+=(default-jdk-headless)
	[[ -f /usr/share/java/pdfbox2.jar && -f /usr/share/java/fontbox2.jar && -f /usr/share/java/commons-logging.jar ]] || pkgs+=(libpdfbox2-java)
	[[ -f /usr/share/java/bcprov.jar ]] || pkgs+=(libbcprov-java)
	[[ -f /usr/share/java/bcpkix.jar && -f /usr/share/java/bcutil.jar ]] || pkgs+=(libbcpkix-java)
	[[ -f $SOFTHSM_MODULE ]] && command -v softhsm2-util >/dev/null || pkgs+=(softhsm2) # PKCS#11 key source tests
	command -v strace >/dev/null || pkgs+=(strace)        # system-call trace of the power-cut test (e2e)
	# Gotenberg's external programs, without their recommends (which would
	# bring the whole desktop suite): LibreOffice for office files, Chromium
	# for HTML, exiftool for metadata, Debian's unoconv (python3-uno) in place
	# of Gotenberg's own unoconverter; fonts with Vietnamese coverage (DejaVu,
	# and Liberation, metric-compatible with Times New Roman and Arial, the
	# fonts of Vietnamese administrative documents); zbarimg decodes the QR
	# codes of the slips in the tests; Tesseract with its Vietnamese data reads
# the text of scanned pages (the archive's digitisation).
	local gpkgs=() p
	for p in libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui chromium unoconv \
		libimage-exiftool-perl fonts-dejavu-core fonts-liberation2 zbar-tools tesseract-ocr tesseract-ocr-vie; do
		have_pkg "$p" || gpkgs+=("$p")
	done
	((${#pkgs[@]} + ${#gpkgs[@]})) || return 0
	local sudo=()
	[[ $EUID -eq 0 ]] || sudo=(sudo)
	log "installing Debian packages: ${pkgs[*]} ${gpkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >&2
	((${#pkgs[@]} == 0)) || "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >&2
	((${#gpkgs[@]} == 0)) || "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${gpkgs[@]}" >&2
	[[ -x $PGBIN/initdb ]] || die "$PGBIN/initdb still missing after installing postgresql (is PostgreSQL $PG_MAJOR the distribution's version?)"
	for p in "${gpkgs[@]}"; do
		have_pkg "$p" || die "Debian package $p still missing after installing it"
	done
}

# install_axe: npm axe-core@$AXE_VERSION into the cache (the browser tests
# inject its axe.min.js into each page); sets AXE_JS.
install_axe() {
	local dir=$CACHE/npm/axe-core-$AXE_VERSION
	AXE_JS=$dir/node_modules/axe-core/axe.min.js
	[[ -f $AXE_JS ]] && return 0
	command -v npm >/dev/null || die "npm is not on PATH (Debian package npm): the browser tests need axe-core"
	log "installing axe-core $AXE_VERSION (npm) into $dir"
	mkdir -p "$dir"
	npm install --no-audit --no-fund --ignore-scripts --prefix "$dir" "axe-core@$AXE_VERSION" >&2 || die "npm install axe-core@$AXE_VERSION failed"
	[[ -f $AXE_JS ]] || die "$AXE_JS missing after npm install"
}

# version_args NAME: the arguments that make binary NAME print its version
# and exit (Mailpit's `version` would ask GitHub for a newer release).
version_args() {
	case $1 in
	mailpit) echo "version --no-release-check" ;;
	gotenberg) echo "--help" ;; # it has no --version
	*) echo "--version" ;;
	esac
}

# have_pkg PKG: the Debian package PKG is installed.
have_pkg() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# binary_ok BIN MODULE VERSION: BIN exists, was built from MODULE@VERSION, and runs
# (answers --version; Gotenberg, which has no such flag, answers --help).
binary_ok() {
	local bin=$1 module=$2 version=$3
	[[ -x $bin ]] || return 1
	go version -m "$bin" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+${module//./\\.}[[:space:]]+${version//./\\.}([[:space:]]|$)" || return 1
	# shellcheck disable=SC2046 # version_args is words
	"$bin" $(version_args "${bin##*/}") >/dev/null 2>&1
}

# build_binary NAME MODULE PACKAGE VERSION: build $CACHE/bin/NAME through a
# throwaway wrapper module (plain `go install` of these modules fails on this
# proxy because of their replace directives). Serialised by a lock so parallel
# runs never build the same binary twice at once.
build_binary() {
	local name=$1 module=$2 package=$3 version=$4
	local bin=$CACHE/bin/$name dir=$CACHE/build/$name
	mkdir -p "$CACHE/bin" "$CACHE/build"
	binary_ok "$bin" "$module" "$version" && return 0
	local lock
	exec {lock}>"$CACHE/build/$name.lock"
	if ! flock -n "$lock"; then
		log "another process is building $name; waiting for it"
		flock "$lock"
	fi
	if binary_ok "$bin" "$module" "$version"; then
		exec {lock}>&-
		return 0
	fi
	local start=$SECONDS buildlog=$CACHE/build/$name.log
	log "building $name ($module@$version) into $bin; log: $buildlog (MinIO takes ~7 min cold)"
	(
		set -euo pipefail
		export GOFLAGS="-mod=mod -buildvcs=false"
		mkdir -p "$dir"
		cd "$dir"
		[[ -f go.mod ]] || go mod init x
		printf '//go:build tools\n\npackage x\n\nimport _ "%s"\n' "$package" >tools.go
		go mod edit -dropreplace="$module"
		go get "$package@$version"
		if [[ $name == ferretdb ]]; then
			# FerretDB's build/version panics at start unless version.txt is
			# embedded; the module zip lacks it. Build from a copy that has it.
			local src
			src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
			[[ -d $src ]] || { echo "module directory of $module@$version not found" >&2; exit 1; }
			rm -rf src
			cp -R "$src" src
			chmod -R u+w src
			echo "$version" >src/build/version/version.txt
			go mod edit -replace="$module=./src"
		fi
		go build -trimpath -o "$bin.tmp" "$package"
		mv -f "$bin.tmp" "$bin"
	) >"$buildlog" 2>&1 || {
		show_log "$buildlog"
		exec {lock}>&-
		die "building $name failed"
	}
	exec {lock}>&-
	binary_ok "$bin" "$module" "$version" || {
		# shellcheck disable=SC2046
		"$bin" $(version_args "$name") >&2 || true
		die "$bin was built but does not run"
	}
	log "built $name in $((SECONDS - start))s"
}

# gotenberg_data: Chromium's hyphenation data, which Gotenberg requires
# (CHROMIUM_HYPHEN_DATA_DIR_PATH) and ships in its module (build/), copied
# once to $CACHE/share.
GOTENBERG_HYPHEN_DIR=$CACHE/share/gotenberg-$GOTENBERG_VERSION/chromium-hyphen-data
gotenberg_data() {
	[[ -d $GOTENBERG_HYPHEN_DIR ]] && return 0
	local src
	src=$(cd "$CACHE/build/gotenberg" && GOFLAGS=-mod=mod go mod download -json "$GOTENBERG_MODULE@$GOTENBERG_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[[ -d $src/build/chromium-hyphen-data ]] || die "no build/chromium-hyphen-data in $GOTENBERG_MODULE@$GOTENBERG_VERSION ($src)"
	mkdir -p "${GOTENBERG_HYPHEN_DIR%/*}"
	rm -rf "$GOTENBERG_HYPHEN_DIR.tmp"
	cp -R "$src/build/chromium-hyphen-data" "$GOTENBERG_HYPHEN_DIR.tmp"
	chmod -R u+w,a+rX "$GOTENBERG_HYPHEN_DIR.tmp"
	mv "$GOTENBERG_HYPHEN_DIR.tmp" "$GOTENBERG_HYPHEN_DIR"
}

# ---- ports and readiness ----------------------------------------------------

USED_PORTS=" "
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port VAR: set VAR to a port nobody listens on (20000–31999, below the
# kernel's ephemeral range) and that this run has not handed out yet.
free_port() {
	local p i
	for ((i = 0; i < 500; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		[[ $USED_PORTS == *" $p "* ]] && continue
		port_in_use "$p" && continue
		USED_PORTS+="$p "
		printf -v "$1" '%s' "$p"
		return 0
	done
	die "no free TCP port found on 127.0.0.1"
}

# wait_ready NAME PID LOG CMD...: poll CMD until it succeeds. Returns 2 if the
# process PID exited (for instance, its port was taken: the caller retries on
# another port) and 1 on timeout.
wait_ready() {
	local name=$1 pid=$2 logfile=$3
	shift 3
	local deadline=$((SECONDS + READY_TIMEOUT))
	until "$@" >/dev/null 2>&1; do
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			log "$name exited before it answered"
			show_log "$logfile"
			return 2
		fi
		if ((SECONDS >= deadline)); then
			log "$name did not answer within ${READY_TIMEOUT}s"
			show_log "$logfile"
			return 1
		fi
		sleep 0.2
	done
}

pg_ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2; }

# mongo_ping PORT: send {ping: 1, $db: "admin"} as OP_MSG and expect ok: 1.0.
# FerretDB answers ping only after reaching PostgreSQL, so this is end to end.
mongo_ping() {
	local port=$1 fd len reply
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02$db\x00\x06\x00\x00\x00admin\x00\x00' >&"$fd"
	len=$(timeout 5 head -c 4 <&"$fd" | od -An -tu4 | tr -d ' \n')
	if [[ -z $len ]] || ((len < 21 || len > 65536)); then
		exec {fd}>&-
		return 1
	fi
	reply=$(timeout 5 head -c $((len - 4)) <&"$fd" | od -An -tx1 -v | tr -d ' \n')
	exec {fd}>&-
	# "ok" as a double 1.0: 01 'o' 'k' 00, then 00 00 00 00 00 00 f0 3f
	[[ $reply == *016f6b00000000000000f03f* ]]
}

minio_live() { curl -fsS --noproxy '*' --max-time 2 "http://127.0.0.1:$1/minio/health/live"; }

# smtp_banner PORT: the server greets with "220 ".
smtp_banner() {
	local fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	IFS= read -r -t 5 line <&"$fd" || line=
	printf 'QUIT\r\n' >&"$fd" 2>/dev/null || true
	exec {fd}>&-
	[[ $line == 220[\ -]* ]]
}

# mailpit_ready SMTPPORT HTTPPORT: both the SMTP server and the HTTP API answer.
mailpit_ready() {
	smtp_banner "$1" && curl -fsS --noproxy '*' --max-time 2 "http://127.0.0.1:$2/api/v1/info"
}
# gotenberg_up PORT: Gotenberg's health route says its modules (Chromium,
# LibreOffice) are up.
gotenberg_up() { curl -fsS --noproxy '*' --max-time 5 "http://127.0.0.1:$1/health" | grep -q '"status":"up"'; }
# oidc_up PORT: the test OpenID Connect provider answers discovery with its issuer.
oidc_up() {
	curl -fsS --noproxy '*' --max-time 2 "http://127.0.0.1:$1/.well-known/openid-configuration" |
		grep -q "\"issuer\":\"http://127.0.0.1:$1\""
}

# ---- process bookkeeping ----------------------------------------------------

# pid_is PID BINARY: PID is alive and runs BINARY (guards against pid reuse).
pid_is() {
	local pid=$1 bin=$2 exe
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[[ ${exe% (deleted)} == "$bin" ]]
}

# running NAME: the process recorded in $STATE/NAME.pid is alive.
running() {
	local pid bin
	read -r pid bin <"$STATE/$1.pid" 2>/dev/null || return 1
	pid_is "$pid" "$bin"
}

# stop_pid NAME: stop the process recorded in $STATE/NAME.pid ("PID BINARY").
stop_pid() {
	local name=$1 pidfile=$STATE/$1.pid pid bin i
	[[ -f $pidfile ]] || return 0
	read -r pid bin <"$pidfile" || true
	if pid_is "$pid" "$bin"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			pid_is "$pid" "$bin" || break
			sleep 0.1
		done
		if pid_is "$pid" "$bin"; then
			log "$name ($pid) ignored SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	[[ $pid =~ ^[0-9]+$ ]] && stop_session "$pid"
	rm -f "$pidfile"
}

# stop_session SID: kill what is left of the session that start_server made
# for a server (setsid: its session id is the server's pid), such as the
# Chromium and LibreOffice that Gotenberg starts in process groups of their
# own.
stop_session() {
	local sid=$1 pids
	pids=$(ps -e -o pid= -o sess= | awk -v s="$sid" '$2 == s { print $1 }')
	[[ -n $pids ]] || return 0
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
}

stop_postgres() {
	local pgdata=$STATE/pg pid
	[[ -f $pgdata/postmaster.pid ]] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 && return 0
	pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null || true)
	if pid_is "$pid" "$PGBIN/postgres"; then
		log "pg_ctl stop failed; killing postmaster $pid"
		kill -QUIT "$pid" 2>/dev/null || true
		sleep 1
		pid_is "$pid" "$PGBIN/postgres" && kill -KILL "$pid" 2>/dev/null || true
	fi
}

# down_state DIR: stop everything recorded in DIR and remove it.
down_state() {
	local STATE=$1
	[[ -d $STATE ]] || return 0
	stop_pid gotenberg
	stop_pid oidcprovider
	stop_pid ferretdb
	stop_pid minio
	stop_pid mailpit
	stop_postgres
	rm -rf "$STATE"
}

# proc_id PID: "PID STARTTIME" of a live (not zombie) process, or nothing.
# The start time tells a process from a later one that reuses its pid.
proc_id() {
	local stat rest
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) } # fields after "(comm) ": state is field 3, starttime 22
	read -r -a f <<<"$rest"
	[[ ${f[0]} != Z && ${f[0]} != X ]] || return 1
	echo "$1 ${f[19]}"
}

# reap_orphans: stop runs whose owner process (KHO_TESTENV_OWNER) is gone.
reap_orphans() {
	local dir owner pid
	for dir in "$STATE_BASE"/*/; do
		dir=${dir%/}
		[[ -f $dir/owner.pid && $dir != "$STATE" ]] || continue
		owner=$(<"$dir/owner.pid")
		pid=${owner%% *}
		[[ $pid =~ ^[0-9]+$ ]] && [[ $(proc_id "$pid") == "$owner" ]] && continue
		log "stopping servers left behind by dead process $pid ($dir)"
		down_state "$dir" || true
	done
}

# ---- starting ---------------------------------------------------------------

start_postgres() {
	local pgdata=$STATE/pg attempt rc
	install -d -m 700 -o "$PGUSER_UID" "$pgdata"
	install -m 600 -o "$PGUSER_UID" /dev/null "$STATE/postgres.log"
	as_pg "$PGBIN/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions \
		>"$STATE/initdb.log" 2>&1 || {
		show_log "$STATE/initdb.log"
		die "initdb failed"
	}
	for attempt in 1 2 3; do
		free_port PG_PORT
		if as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$STATE/postgres.log" -w -t "$READY_TIMEOUT" \
			-o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c plan_cache_mode=force_custom_plan" \
			start >/dev/null 2>&1; then
			rc=0
			wait_ready PostgreSQL "" "$STATE/postgres.log" pg_ready "$PG_PORT" || rc=$?
			((rc == 0)) && break
		else
			show_log "$STATE/postgres.log"
		fi
		as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
		((attempt < 3)) || die "PostgreSQL did not start (log: $STATE/postgres.log)"
		log "PostgreSQL did not start on port $PG_PORT; retrying on another port"
	done
	as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ferretdb >/dev/null
}

# start_server NAME PORTVAR READYFN CMD...: start CMD in its own session with
# output to $STATE/NAME.log, retrying on a new port when it dies at start.
# CMD may contain the literal word @PORT@ (and @PORT2@), replaced by the port.
# READYFN gets both ports; PORT2 is left in STARTED_PORT2.
start_server() {
	local name=$1 portvar=$2 ready=$3
	shift 3
	local attempt pid rc port port2 args a
	for attempt in 1 2 3; do
		free_port port
		free_port port2
		args=()
		for a in "$@"; do
			a=${a//@PORT@/$port}
			args+=("${a//@PORT2@/$port2}")
		done
		# From $STATE, not the caller's directory: a worktree removed while the
		# servers run would leave them (and LibreOffice's helpers) in a deleted one.
		(cd "$STATE" && exec setsid "${args[@]}") >"$STATE/$name.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid ${args[0]}" >"$STATE/$name.pid"
		rc=0
		wait_ready "$name" "$pid" "$STATE/$name.log" "$ready" "$port" "$port2" || rc=$?
		if ((rc == 0)); then
			printf -v "$portvar" '%s' "$port"
			STARTED_PORT2=$port2
			return 0
		fi
		stop_pid "$name"
		((rc == 2 && attempt < 3)) || die "$name did not start (log: $STATE/$name.log)"
		log "retrying $name on another port"
	done
}

# start_gotenberg: Gotenberg with Debian's LibreOffice and Chromium, both
# started at once (the health route waits for them), writing its scratch
# files under $STATE/gotenberg-tmp (Chromium may read file:// only under
# /tmp, where it is). Neither is restarted after a number of conversions
# (Gotenberg's default: Chromium every 100, LibreOffice every 10), and
# both may take a minute to start: on a loaded 2-core machine a restart
# in the middle of a test run failed the conversions queued behind it.
start_gotenberg() {
	local tmp=$STATE/gotenberg-tmp
	mkdir -p "$tmp"
	# Debian's unoconv in place of Gotenberg's own unoconverter, run by the
	# system python3 (a python3 first on PATH, such as pyenv's, has no uno).
	printf '#!/bin/sh\nexec /usr/bin/python3 /usr/bin/unoconv "$@"\n' >"$STATE/unoconverter"
	# Chromium's own calls home go to a closed local port: Gotenberg passes
	# no flags of ours, so a wrapper adds them after its own (the last
	# --disable-features counts; it repeats chromedp's list). It runs the
	# browser itself: Debian's /usr/bin/chromium launcher reorders flags.
	cat >"$STATE/chromium" <<'EOS'
#!/bin/sh
exec /usr/lib/chromium/chromium "$@" --disable-background-networking --disable-sync --no-first-run \
	--component-updater=url-source=http://127.0.0.1:9/ --gaia-url=http://127.0.0.1:9/ \
	--disable-features=site-per-process,Translate,BlinkGenPropertyTrees,NetworkTimeServiceQuerying,AutofillServerCommunication,OptimizationHints,OptimizationGuideModelDownloading,MediaRouter
EOS
	chmod 755 "$STATE/unoconverter" "$STATE/chromium"
	TMPDIR=$tmp LANG=C.UTF-8 LC_ALL=C.UTF-8 \
		LIBREOFFICE_BIN_PATH=/usr/lib/libreoffice/program/soffice.bin \
		UNOCONVERTER_BIN_PATH=$STATE/unoconverter \
		CHROMIUM_BIN_PATH=$STATE/chromium \
		CHROMIUM_HYPHEN_DATA_DIR_PATH=$GOTENBERG_HYPHEN_DIR \
		QPDF_BIN_PATH=$(command -v qpdf) \
		EXIFTOOL_BIN_PATH=$(command -v exiftool) \
		PDFTK_BIN_PATH=/bin/false PDFCPU_BIN_PATH=/bin/false \
		OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none \
		start_server gotenberg GOTENBERG_PORT gotenberg_up "$CACHE/bin/gotenberg" \
		--api-bind-ip=127.0.0.1 --api-port=@PORT@ \
		--gotenberg-hide-banner --gotenberg-graceful-shutdown-duration=5s \
		--log-level=warn --api-disable-download-from --prometheus-disable-collect \
		--chromium-deny-private-ips --libreoffice-deny-private-ips \
		--chromium-auto-start --libreoffice-auto-start \
		--chromium-restart-after=0 --libreoffice-restart-after=0 \
		--chromium-start-timeout=60s --libreoffice-start-timeout=60s --api-timeout=120s
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# start_oidcprovider: the test OpenID Connect provider, this repository's
# internal/testenv/oidcprovider (built on zitadel/oidc's op package), built
# into $STATE from the checkout this script is in (a few seconds once the
# build cache is warm), with a fresh client secret passed in its
# environment, not on its command line. Sets OIDC_PORT and OIDC_SECRET.
start_oidcprovider() {
	(cd "$REPO" && go build -o "$STATE/oidcprovider" ./internal/testenv/oidcprovider) >"$STATE/oidcprovider-build.log" 2>&1 || {
		show_log "$STATE/oidcprovider-build.log"
		die "building the test OpenID Connect provider failed"
	}
	OIDC_SECRET=$(random_hex 16)
	KHO_OIDCPROVIDER_CLIENT_SECRET=$OIDC_SECRET start_server oidcprovider OIDC_PORT oidc_up \
		"$STATE/oidcprovider" -addr 127.0.0.1:@PORT@ -client-id kho-test
}

# MAILPIT_ACCEPT is the regular expression (RE2, no look-ahead) of the
# recipients Mailpit accepts: every address except those under the
# reserved top-level domain .invalid (RFC 2606), which it refuses at RCPT
# TO with a 550, as a real server refuses an address it does not know.
# The tests' refused recipient is such an address.
MAILPIT_ACCEPT='(^.{0,7}$|[^.].{7}$|.[^i].{6}$|.{2}[^n].{5}$|.{3}[^v].{4}$|.{4}[^a].{3}$|.{5}[^l].{2}$|.{6}[^i].$|.{7}[^d]$)'

# start_mailpit: Mailpit on free ports — SMTP on MAILPIT_SMTP_PORT with
# STARTTLS offered (a self-signed certificate for 127.0.0.1 made here,
# $STATE/mailpit-cert.pem, which the tests trust) and any user name and
# password accepted, also without TLS, and its HTTP API on
# MAILPIT_HTTP_PORT. Messages are kept in $STATE (no limit on their
# number: tests look theirs up by recipient).
start_mailpit() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
		-keyout "$STATE/mailpit-key.pem" -out "$STATE/mailpit-cert.pem" >"$STATE/mailpit-openssl.log" 2>&1 || {
		show_log "$STATE/mailpit-openssl.log"
		die "openssl could not make Mailpit's certificate"
	}
	start_server mailpit MAILPIT_SMTP_PORT mailpit_ready "$CACHE/bin/mailpit" \
		--smtp 127.0.0.1:@PORT@ --listen 127.0.0.1:@PORT2@ \
		--database "$STATE/mailpit.db" --max 0 \
		--disable-version-check --smtp-disable-rdns \
		--smtp-tls-cert "$STATE/mailpit-cert.pem" --smtp-tls-key "$STATE/mailpit-key.pem" \
		--smtp-auth-accept-any --smtp-auth-allow-insecure \
		--smtp-allowed-recipients "$MAILPIT_ACCEPT" \
		--quiet
	MAILPIT_HTTP_PORT=$STARTED_PORT2
}

cmd_up() {
	local t0=$SECONDS t
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$STATE_BASE"
	chmod 755 "$STATE_BASE"
	reap_orphans
	if [[ -f $STATE/env.sh ]]; then
		if running minio && running ferretdb && running mailpit && running gotenberg && running oidcprovider; then
			log "already up; source $STATE/env.sh"
			echo "$STATE/env.sh"
			return 0
		fi
		log "stale state in $STATE; stopping what is left"
		down_state "$STATE"
	fi

	t=$SECONDS
	install_packages
	build_binary ferretdb "$FERRETDB_MODULE" "$FERRETDB_PACKAGE" "$FERRETDB_VERSION"
	build_binary minio "$MINIO_MODULE" "$MINIO_PACKAGE" "$MINIO_VERSION"
	build_binary mailpit "$MAILPIT_MODULE" "$MAILPIT_PACKAGE" "$MAILPIT_VERSION"
	build_binary gotenberg "$GOTENBERG_MODULE" "$GOTENBERG_PACKAGE" "$GOTENBERG_VERSION"
	gotenberg_data
	install_axe
	log "tools ready ($((SECONDS - t))s)"

	mkdir -p "$STATE"
	chmod 755 "$STATE"
	if [[ -n ${KHO_TESTENV_OWNER:-} ]]; then
		proc_id "$KHO_TESTENV_OWNER" >"$STATE/owner.pid" || die "KHO_TESTENV_OWNER=$KHO_TESTENV_OWNER is not a running process"
	fi
	PGUSER_UID=$(id -u)
	[[ $EUID -eq 0 ]] && PGUSER_UID=$(id -u postgres)

	t=$SECONDS
	start_postgres
	log "PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT ($((SECONDS - t))s)"

	t=$SECONDS
	local FERRETDB_PORT MINIO_PORT MAILPIT_SMTP_PORT MAILPIT_HTTP_PORT STARTED_PORT2
	# GOGC=400: FerretDB 1.x spends about half its CPU in the garbage
	# collector while it decodes rows; a lighter GC cuts the Mongo listing's
	# p50 by a quarter; it stayed at about 60 MB resident (docs/deployment.md).
	# KHO_TESTENV_FERRETDB_GOGC overrides it, to compare.
	GOGC=${KHO_TESTENV_FERRETDB_GOGC:-400} start_server ferretdb FERRETDB_PORT mongo_ping "$CACHE/bin/ferretdb" \
		--listen-addr=127.0.0.1:@PORT@ \
		--handler=postgresql \
		"--postgresql-url=postgres://postgres@127.0.0.1:$PG_PORT/ferretdb" \
		--telemetry=disable \
		--debug-addr=- \
		--state-dir="$STATE" \
		--log-level=warn
	log "FerretDB $FERRETDB_VERSION on 127.0.0.1:$FERRETDB_PORT ($((SECONDS - t))s)"

	t=$SECONDS
	local access_key=khotest secret_key
	secret_key=$(random_hex 16)
	mkdir -p "$STATE/minio-data"
	export MINIO_ROOT_USER=$access_key MINIO_ROOT_PASSWORD=$secret_key MINIO_BROWSER=off MINIO_UPDATE=off
	start_server minio MINIO_PORT minio_live "$CACHE/bin/minio" server "$STATE/minio-data" \
		--address 127.0.0.1:@PORT@ --console-address 127.0.0.1:@PORT2@ --quiet
	unset MINIO_ROOT_USER MINIO_ROOT_PASSWORD
	log "MinIO on 127.0.0.1:$MINIO_PORT ($((SECONDS - t))s)"

	t=$SECONDS
	start_mailpit
	log "Mailpit $MAILPIT_VERSION: SMTP on 127.0.0.1:$MAILPIT_SMTP_PORT, API on http://127.0.0.1:$MAILPIT_HTTP_PORT ($((SECONDS - t))s)"
	local GOTENBERG_PORT
	start_gotenberg
	log "Gotenberg $GOTENBERG_VERSION on 127.0.0.1:$GOTENBERG_PORT ($((SECONDS - t))s)"

	t=$SECONDS
	local OIDC_PORT OIDC_SECRET
	start_oidcprovider
	log "test OpenID Connect provider on http://127.0.0.1:$OIDC_PORT ($((SECONDS - t))s)"

	cat >"$STATE/env.sh.tmp" <<EOF
# Test servers started by scripts/testenv.sh up at $(date -u +%Y-%m-%dT%H:%M:%SZ).
# Stop them with: scripts/testenv.sh down   (with this file sourced)
export KHO_TESTENV_STATE='$STATE'
export KHO_TEST_S3_ENDPOINT='127.0.0.1:$MINIO_PORT'
export KHO_TEST_S3_ACCESS_KEY='$access_key'
export KHO_TEST_S3_SECRET_KEY='$secret_key'
export KHO_TEST_MONGO_URI='mongodb://127.0.0.1:$FERRETDB_PORT/'
export KHO_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$PG_PORT/ferretdb'
export KHO_TEST_SOFTHSM_MODULE='$SOFTHSM_MODULE'
export KHO_TEST_SMTP_ADDR='127.0.0.1:$MAILPIT_SMTP_PORT'
export KHO_TEST_MAILPIT_API='http://127.0.0.1:$MAILPIT_HTTP_PORT'
export KHO_TEST_SMTP_CA='$STATE/mailpit-cert.pem'
export KHO_TEST_GOTENBERG_URL='http://127.0.0.1:$GOTENBERG_PORT'
export KHO_TEST_OIDC_ISSUER='http://127.0.0.1:$OIDC_PORT'
export KHO_TEST_OIDC_CLIENT_ID='kho-test'
export KHO_TEST_OIDC_CLIENT_SECRET='$OIDC_SECRET'
export KHO_TEST_CHROMIUM='/usr/bin/chromium'
export KHO_TEST_AXE_JS='$AXE_JS'
EOF
	mv "$STATE/env.sh.tmp" "$STATE/env.sh"
	log "up in $((SECONDS - t0))s; env: $STATE/env.sh"
	echo "$STATE/env.sh"
}

cmd_down() {
	if [[ ! -d $STATE ]]; then
		log "nothing to stop in $STATE"
		return 0
	fi
	local t0=$SECONDS
	down_state "$STATE"
	log "down in $((SECONDS - t0))s ($STATE removed)"
}

cmd_env() {
	[[ -f $STATE/env.sh ]] || die "no test servers in $STATE; run: scripts/testenv.sh up"
	cat "$STATE/env.sh"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
env) cmd_env ;;
*)
	echo "usage: $0 up|down|env   (state dir: \$KHO_TESTENV_STATE, default $STATE_BASE/default)" >&2
	exit 2
	;;
esac
