# Common targets. The work is done by CMake/CTest; this file only chains them.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= 2
DEMO_DB    ?= out/demo.gpkg
DEMO_PORT  ?= 8080
DEMO_SERVE ?= 1

.PHONY: all deps web build lint test test-asan test-tsan demo fuzz fuzz-ci bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

# The browser UI (web/): `npm ci` from the lockfile and a vite build into
# web/dist when it is missing or older than its sources; quiet otherwise.
web: deps
	@bash web/build.sh

build: deps web
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The whole suite in a normal build, then again under AddressSanitizer and
# UndefinedBehaviorSanitizer (the PostGIS comparison runs once, in the first),
# then the unit tests, which run import's reader thread and the parallel
# analyses, under ThreadSanitizer, then each fuzz target (fuzz-ci).
test: build lint
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@grep -h -A2 '^first paint' $(BUILD)/tests/ui-artifacts/browser.log 2>/dev/null || true
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan
	@$(MAKE) --no-print-directory fuzz-ci

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDM_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j$(JOBS) -LE postgis

fuzz-ci: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDM_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target dm_fuzz
	@DM_FUZZ_TARGETS="fuzz_gpkg_blob fuzz_date fuzz_field fuzz_utf8 fuzz_cql2 fuzz_qs fuzz_minefield_record fuzz_http_head fuzz_priority_weights fuzz_i18n fuzz_sortby" \
	  DM_FUZZ_ARGS="-seed=1 -runs=200000" bash tests/fuzz/run.sh build-fuzz 120
	@DM_FUZZ_TARGETS="fuzz_history" DM_FUZZ_ARGS="-seed=1 -runs=5000" \
	  bash tests/fuzz/run.sh build-fuzz 120
	@DM_FUZZ_TARGETS="fuzz_request" DM_FUZZ_ARGS="-seed=1 -runs=30000" \
	  bash tests/fuzz/run.sh build-fuzz 120
	@DM_FUZZ_TARGETS="fuzz_casualty_summary" DM_FUZZ_ARGS="-seed=1 -runs=3000" \
	  bash tests/fuzz/run.sh build-fuzz 120
	@DM_FUZZ_TARGETS="fuzz_import fuzz_casualties" DM_FUZZ_ARGS="-seed=1 -runs=300" \
	  bash tests/fuzz/run.sh build-fuzz 120

test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-fsanitize=thread -O1" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS)
	@cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  DEMINE_THREADS=4 ctest --output-on-failure -L unit

# The main job: a demo database from the BiH data plus synthetic records.
# Then the server with its map on the demo database, in the foreground
# (Ctrl-C stops it; DEMO_SERVE=0 skips it), with demo users whose passwords
# are in out/demo.users.txt.
demo: build
	@mkdir -p $(dir $(DEMO_DB))
	@$(BUILD)/demine demo --out $(DEMO_DB) --force
	@$(BUILD)/demine stats $(DEMO_DB) landrelease --by admin | head -40
	@$(BUILD)/demine stats $(DEMO_DB) casualties --by year
	@bash scripts/demo-users.sh $(BUILD)/demine $(DEMO_DB) 2>/dev/null
	@if [ "$(DEMO_SERVE)" != 0 ]; then \
	  echo "demine: the map is on http://127.0.0.1:$(DEMO_PORT)/ (Ctrl-C stops the server)"; \
	  $(BUILD)/demine serve $(DEMO_DB) --port $(DEMO_PORT) --quiet; fi

FUZZ_SECONDS ?= 20

# Every fuzz target from its seed corpus for FUZZ_SECONDS each (make fuzz
# FUZZ_SECONDS=600 for a long run). make test runs fuzz-ci: the corpus and a
# fixed number of runs from a fixed seed, so that its result is repeatable;
# new findings come from the long runs.
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDM_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target dm_fuzz
	@DM_FUZZ_ARGS="$(DM_FUZZ_ARGS)" bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@bash bench/run.sh

C_SOURCES = $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h)

# Format (clang-format, .clang-format) and lint (cppcheck) checks.
lint: deps
	@clang-format --dry-run --Werror $(C_SOURCES)
	@cppcheck --quiet --enable=warning,performance,portability --std=c11 -I src \
	  --suppress=missingIncludeSystem --error-exitcode=1 src

format:
	@clang-format -i $(C_SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz out
