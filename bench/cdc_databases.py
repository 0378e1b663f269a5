"""The databases `bench/cdc.py` captures: how each fills the benchmark table, names its connector,
makes the streamed changes and the steady load of the latency phase."""

import subprocess

TABLE = "bench_cdc"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1", "-tAq"]
MARIADB = ["mariadb", "-h127.0.0.1", "-uroot", "test", "-N", "-e"]


def psql(sql):
    return subprocess.run([*PSQL, "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


def mariadb(sql):
    return subprocess.run([*MARIADB, sql], capture_output=True, text=True, check=True).stdout.strip()


class Postgres:
    """PostgreSQL through logical replication, each runtime with its own slot and publication."""

    name = "PostgreSQL"
    latency_args = ["--latency"]
    load_name = "pgbench"
    namespace = "public"
    results_suffix = ""

    def fill(self, rows):
        psql(f"DROP TABLE IF EXISTS {TABLE}")
        psql(
            f"CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(100), "
            "amount NUMERIC(12,2), qty INT NOT NULL, price DOUBLE PRECISION, active BOOLEAN, "
            "created TIMESTAMP, updated TIMESTAMPTZ, note TEXT)"
        )
        psql(
            f"INSERT INTO {TABLE} SELECT i, 'customer-' || i, 'c' || i || '@example.com', i * 0.25, i % 100, "
            "i * 1.5, i % 2 = 0, TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', "
            f"TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 minute', 'note ' || i "
            f"FROM generate_series(1, {rows}) AS i"
        )
        psql(f"VACUUM ANALYZE {TABLE}")

    def reset(self, runtime):
        name = f"bench_{runtime}"
        psql(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{name}'")
        psql(f"DROP PUBLICATION IF EXISTS {name}")

    def connector(self, runtime, workdir):
        return (
            "connector.class=io.debezium.connector.postgresql.PostgresConnector\n"
            "database.hostname=127.0.0.1\ndatabase.port=5432\ndatabase.user=postgres\ndatabase.password=\n"
            f"database.dbname=test\nplugin.name=pgoutput\n"
            f"slot.name=bench_{runtime}\npublication.name=bench_{runtime}\npublication.autocreate.mode=filtered\n"
            f"table.include.list=public.{TABLE}\n"
        )

    def update_all(self, rows):
        """Updates every row once, in ten transactions."""
        for start in range(0, rows, max(rows // 10, 1)):
            psql(f"UPDATE {TABLE} SET qty = qty + 1, updated = now() WHERE id > {start} AND id <= {start + rows // 10}")

    def steady_load(self, workdir, rows, rate, seconds):
        """Single-row updates, one transaction each, at `rate` a second; the rate reached."""
        script = workdir / "update.sql"
        script.write_text(f"\\set id random(1, {rows})\nUPDATE {TABLE} SET qty = qty + 1 WHERE id = :id;\n")
        bench = subprocess.run(
            ["pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", "4", "-j", "2", "-R", str(rate),
             "-T", str(seconds), "-f", str(script), "test"],
            capture_output=True, text=True, check=True,
        )
        return next(float(line.split("=")[1].split()[0]) for line in bench.stdout.splitlines() if line.startswith("tps"))


class MariaDb:
    """MariaDB through its binary log, each runtime a replica with its own server id. The binary
    log times events in whole seconds, so the latency phase times each change by the row itself:
    the steady load's updates set `note` to the update's time in microseconds."""

    name = "MariaDB"
    latency_args = ["--latency-field", "note"]
    load_name = "the load procedure"
    # Sessions the steady load runs in: each commit waits for its log flush, which concurrent
    # commits share.
    sessions = 8
    namespace = "test"
    results_suffix = "-mariadb"

    def fill(self, rows):
        mariadb(
            f"DROP TABLE IF EXISTS {TABLE}; "
            f"CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, email VARCHAR(100), "
            "amount DECIMAL(12,2), qty INT NOT NULL, price DOUBLE, active BOOLEAN, created DATETIME, "
            "updated TIMESTAMP NULL, note VARCHAR(40)); "
            f"INSERT INTO {TABLE} SELECT seq, CONCAT('customer-', seq), CONCAT('c', seq, '@example.com'), "
            "seq * 0.25, seq % 100, seq * 1.5, seq % 2 = 0, '2024-01-01' + INTERVAL seq SECOND, "
            f"'2024-01-01' + INTERVAL seq MINUTE, CONCAT('note ', seq) FROM seq_1_to_{rows}"
        )

    def reset(self, runtime):
        pass

    def connector(self, runtime, workdir):
        server_id = {"debezium": 6401, "kconnect": 6402}[runtime]
        return (
            "connector.class=io.debezium.connector.mysql.MySqlConnector\n"
            "database.hostname=127.0.0.1\ndatabase.port=3306\ndatabase.user=root\ndatabase.password=\n"
            f"database.server.id={server_id}\ntable.include.list=test.{TABLE}\n"
            "schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory\n"
            f"schema.history.internal.file.filename={workdir / (runtime + '.history')}\n"
        )

    def update_all(self, rows):
        """Updates every row once, in ten transactions."""
        for start in range(0, rows, max(rows // 10, 1)):
            mariadb(f"UPDATE {TABLE} SET qty = qty + 1, updated = now() WHERE id > {start} AND id <= {start + rows // 10}")

    def steady_load(self, workdir, rows, rate, seconds):
        """Single-row updates, one transaction each, at `rate` a second in all from `sessions`
        sessions of a stored procedure that paces itself; the rate reached."""
        script = workdir / "steady_updates.sql"
        script.write_text(
            "DELIMITER //\n"
            "CREATE OR REPLACE PROCEDURE bench_steady_updates(n_rows BIGINT, rate INT, seconds INT)\n"
            "BEGIN\n"
            "  DECLARE done BIGINT DEFAULT 0;\n"
            "  DECLARE started DECIMAL(20,6) DEFAULT UNIX_TIMESTAMP(SYSDATE(6));\n"
            "  DECLARE ahead DECIMAL(20,6);\n"
            "  WHILE done < rate * seconds DO\n"
            "    SET @id = 1 + FLOOR(RAND() * n_rows);\n"
            f"    UPDATE {TABLE} SET qty = qty + 1, note = FLOOR(UNIX_TIMESTAMP(SYSDATE(6)) * 1000000) WHERE id = @id;\n"
            "    SET done = done + 1;\n"
            "    IF done % 25 = 0 THEN\n"
            "      SET ahead = started + done / rate - UNIX_TIMESTAMP(SYSDATE(6));\n"
            "      IF ahead > 0 THEN DO SLEEP(ahead); END IF;\n"
            "    END IF;\n"
            "  END WHILE;\n"
            "  SELECT done / (UNIX_TIMESTAMP(SYSDATE(6)) - started);\n"
            "END//\n"
            "DELIMITER ;\n"
        )
        with open(script) as statements:
            subprocess.run(MARIADB[:-2], stdin=statements, capture_output=True, text=True, check=True)
        call = f"CALL bench_steady_updates({rows}, {rate / self.sessions}, {seconds})"
        loads = [subprocess.Popen([*MARIADB, call], stdout=subprocess.PIPE, text=True) for _ in range(self.sessions)]
        return sum(float(load.communicate()[0].strip()) for load in loads)


DATABASES = {"postgres": Postgres(), "mariadb": MariaDb()}
