# Exhibit: the two commands.
#   make demo   install what is missing, build, serve the sample thread on loopback, capture it into Output/
#   make test   install what is missing, then run the whole test suite (real Chromium, real files)

SWIFT ?= swift

.PHONY: demo test deps build clean fuzz benchmark soak

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product exhibit
	$(SWIFT) build --product exhibit-fixtures

demo: build
	@scripts/demo.sh

# At most 10 tests at once: unbounded, some eighty suites start their browsers together on a
# 2-core machine and the first minute starves every DevTools connection in the test process.
TEST_WIDTH ?= 10

test: deps
	$(SWIFT) build --build-tests
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test --skip-build --disable-xctest

clean:
	rm -rf .build

# Fuzz the RFC 3161 parsers and the whole verify of a bag with libFuzzer (SECONDS=60 each by default); not part of make test.
fuzz: deps
	scripts/fuzz.sh $(or $(SECONDS),60)

# Exhibit versus Playwright for Python on the same Chromium (not part of make test).
benchmark:
	Benchmarks/run.sh

# A batch of 500 captures that must not grow: the exhibit process's memory (after the 500th within
# 10 % of after the 50th), open files and child processes, the browser's contexts and targets.
# make test runs the same check over 30 captures.
soak: deps
	$(SWIFT) build --build-tests
	EXHIBIT_SOAK_CAPTURES=$(or $(CAPTURES),500) $(SWIFT) test --skip-build --disable-xctest --filter BatchSoakTests
