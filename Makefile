# Makefile — the project's entry points; CMake does the building.
#
#   make test     install what is missing, build, run every ctest   (what CI runs first)
#   make run      build and start the service and its web page: ./build/talentflow serve
#                 (bundled rulebooks, decision log ./talentflow-decisions.db; it prints the
#                 address; SERVE_ARGS adds options). The tour: ./build/talentflow tour
#   make build-pgo  build with profile-guided optimisation, trained on batch runs, in
#                 build-pgo/ (scripts/pgo.sh; the build docs/performance.md measures)
#   make werror   build with warnings as errors, in build-werror/, and with clang too, in
#                 build-werror-clang/ (each compiler refuses what the other lets pass)
#   make asan     build with ASan + UBSan and -Werror in build-asan/, run every ctest
#   make fuzz     build the fuzz targets with clang in build-fuzz/, run fuzz_parse for
#                 FUZZ_SECONDS (default 600) on fuzz/corpus
#   make fuzz-case  the same for fuzz_case (case documents and decisions) on
#                 fuzz/corpus-case (docs/fuzzing.md)
#   make bench    build and run every ./build/bench_* (timings are measured here only)
#   make bench-serve  the service's throughput and latency with wrk (bench/serve/bench.sh)
#   make deps     install the Debian packages the build needs (scripts/setup.sh)
#   make clean    remove every build directory
#
# JOBS sets the build's parallelism (default: the number of cores).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build build-pgo test run asan werror fuzz fuzz-build fuzz-case bench bench-serve clean

all: build

deps:
	bash scripts/setup.sh

build:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build build -j $(JOBS)

build-pgo: deps
	bash scripts/pgo.sh build-pgo

test: deps
	$(MAKE) --no-print-directory build
	ctest --test-dir build --output-on-failure -j $(JOBS)

run: deps
	$(MAKE) --no-print-directory build
	./build/talentflow serve $(SERVE_ARGS)

werror: deps
	cmake -S . -B build-werror -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTF_WERROR=ON
	cmake --build build-werror -j $(JOBS)
	CC=clang cmake -S . -B build-werror-clang -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTF_WERROR=ON
	cmake --build build-werror-clang -j $(JOBS)

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTF_SANITIZE=ON -DTF_WERROR=ON
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir build-asan --output-on-failure -j $(JOBS)

fuzz-build: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTF_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)

fuzz: fuzz-build
	mkdir -p fuzz/corpus
	./build-fuzz/fuzz_parse -max_total_time=$(FUZZ_SECONDS) fuzz/corpus

fuzz-case: fuzz-build
	mkdir -p fuzz/corpus-case
	./build-fuzz/fuzz_case -max_total_time=$(FUZZ_SECONDS) fuzz/corpus-case

bench: build
	@set -e; found=0; for b in build/bench_*; do \
	    [ -f "$$b" ] && [ -x "$$b" ] || continue; \
	    found=1; echo "== $$b"; "$$b"; \
	done; [ $$found = 1 ] || echo "no benchmarks in build/ (add bench/bench_*.c)"

bench-serve: build
	bash bench/serve/bench.sh

clean:
	rm -rf build build-asan build-werror build-werror-clang build-fuzz build-pgo
