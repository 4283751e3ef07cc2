"""Splink's Spark backend (local mode) gives the same children as DuckDB."""

import pytest

from jigsaw.linkage import link

from .conftest import records

pytestmark = pytest.mark.spark


def test_spark_gives_the_same_clusters_as_duckdb(world):
    try:
        from jigsaw.linkage._backend import spark_session

        spark = spark_session(cores=1)
    except Exception as error:  # a missing JVM must fail loudly, not skip
        pytest.fail(f"cannot start local Spark (needs pyspark and Java 17): {error}")
    base = {"last_name": "Okonkwo-Hughes", "dob": "2012-06-14", "postcode": "LS6 1AN", "sex": "F"}
    cast = records(
        [
            {"record_id": "A1", "first_name": "Amy", **base},
            {"record_id": "A2", "first_name": "Aimee", **base},
            {"record_id": "B1", "first_name": "Beth", **base},
            {"record_id": "N1", "first_name": "Sam", "nhs_number": "9434765919", **base},
            {"record_id": "N2", "first_name": "Sam", "nhs_number": "4010232137", **base},
        ]
    )
    frame = cast._append(world.records.head(120), ignore_index=True)
    on_duckdb = link(frame)
    on_spark = link(frame, backend="spark", spark=spark)
    assert on_spark.clusters["child_id"].tolist() == on_duckdb.clusters["child_id"].tolist()
    assert (
        on_spark.review[["record_id_l", "record_id_r"]].values.tolist()
        == on_duckdb.review[["record_id_l", "record_id_r"]].values.tolist()
    )
    assert on_duckdb.children < len(frame)
