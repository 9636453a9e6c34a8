// v1 API readiness: Neo4j answers a read.
RETURN 1 AS ok
