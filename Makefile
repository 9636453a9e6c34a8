# licitagraph: the two commands of the README, and a few conveniences.
.PHONY: demo test test-fast setup lint services-up services-down clean

demo:            ## set up what is missing and run the local demo end to end
	scripts/bootstrap.sh
	.venv/bin/licitagraph demo

test:            ## set up what is missing, start the test services, run ruff, mypy and pytest
	scripts/test.sh

test-fast:       ## ruff, mypy and the tests that need no server, Spark or torch training (no services started)
	scripts/test.sh --fast

setup:           ## only the set-up (venv, Neo4j from Maven Central, redis-server)
	scripts/bootstrap.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

services-up:
	.venv/bin/licitagraph services up

services-down:
	.venv/bin/licitagraph services down

clean:           ## stop the demo services and remove local state (var/); keeps caches
	-.venv/bin/licitagraph services down
	rm -rf var
