# emrs-env: generate, lint and test the EMR Serverless interactive environment template.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILT := $(VENV)/.installed-build

.DEFAULT_GOAL := help
.PHONY: help install template actions lint test bench e2e mutation clean

help: ## List the targets
	@grep -E '^[a-z0-9]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the package with every extra (diagram, lint, test)

# make template needs the package and the picture's renderer only.
$(BUILT): setup.cfg pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[diagram]'
	touch $(BUILT)

$(STAMP): $(BUILT)
	$(BIN)/python -m pip install --quiet -e '.[diagram,lint,test]'
	# cfn-guard and the AWS Control Tower rules; the wheel's CDK dependencies are not needed
	$(BIN)/python -m pip install --quiet --no-deps 'cdklabs.cdk-validator-cfnguard==0.0.62'
	# botocore's models as old as any Lambda Python runtime's, for the contract test
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/lambda-sdk 'botocore==1.34.0'
	touch $(STAMP)

template: $(BUILT) ## Write every artifact under build/ (CONFIG=team.toml: build/team/)
	$(BIN)/emrs-env build $(if $(CONFIG),--config $(CONFIG),--out build)

actions: install ## Re-derive the launch role's actions and the create-only table from cfn-lint's schemas
	$(BIN)/python -m generator.template.provisioning
	$(BIN)/python -m generator.template.changes

lint: install ## Run ruff, black and the template scanners
	$(BIN)/ruff check generator custom_resources tests bench e2e
	$(BIN)/black --check --quiet generator custom_resources tests bench e2e
	$(BIN)/emrs-env lint build

# Two workers on this two-core machine: 226 s against 440 s in one process (1,116
# tests, measured here); one test runs faster alone: .venv/bin/python -m pytest PATH
test: install ## Run the whole test suite (offline)
	$(BIN)/python -m pytest -n auto --dist worksteal

stress: install ## 1,000 random trials of the credentials under duplicates and faults (minutes)
	$(BIN)/python -m pytest -m stress -p no:xdist tests/function/test_credentials_harness.py

bench: install ## Measure build speed, scale and the handler
	$(BIN)/python bench/run.py

e2e: install ## Deploy, verify and destroy each .taskcat.yml variant (needs AWS; costs)
	$(BIN)/python e2e/run.py

mutation: install ## Mutation-test the custom-resource function, limits and config (minutes)
	$(BIN)/python -m pip install --quiet 'mutmut~=3.8'
	$(BIN)/mutmut run
	$(BIN)/mutmut export-cicd-stats
	@cat mutants/mutmut-cicd-stats.json; echo
	$(BIN)/mutmut results

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
