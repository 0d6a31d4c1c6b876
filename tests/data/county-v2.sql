-- county-v2.sql: a file made by swsync 0.1.0 (schema 2; tools/previous-release), for tests/test-db.c's migration tests.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE config (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO config VALUES('county','C01');
CREATE TABLE sync_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    capture INTEGER NOT NULL DEFAULT 1 CHECK (capture IN (0, 1)),
    hlc     INTEGER NOT NULL DEFAULT 0,
    seq     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state VALUES(1,1,117715389092659200,24);
CREATE TABLE tombstones (
    tbl  INTEGER NOT NULL,
    rid  INTEGER NOT NULL,
    hlc  INTEGER NOT NULL,
    site TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (tbl, rid)
) WITHOUT ROWID;
INSERT INTO tombstones VALUES(0,2,117715389071884288,'A-adh6pc','117715389058383872@A-adh6pc=name,category,risk_level,status,opened_on');
INSERT INTO tombstones VALUES(1,1,117715389076078592,'A-adh6pc','117715389061529600@A-adh6pc=case_id,visited_at,mode,findings,follow_up');
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    tbl         TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    station     TEXT,
    col         TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'field'
                CHECK (kind IN ('field', 'edit_of_deleted')),
    winner_value,
    winner_hlc  INTEGER NOT NULL,
    winner_site TEXT NOT NULL,
    loser_value,
    loser_hlc   INTEGER NOT NULL,
    loser_site  TEXT NOT NULL,
    winner_author TEXT,
    loser_author  TEXT,
    base_hlc    INTEGER,
    base_site   TEXT,
    detected_at INTEGER NOT NULL,           -- ms since the epoch
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'resolved')),
    resolved_at INTEGER,
    resolved_by TEXT,
    resolution  TEXT,                       -- winner, loser, value
    note        TEXT,
    UNIQUE (tbl, row_id, col, loser_hlc, loser_site)
);
CREATE TABLE field_versions (
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    hlc       INTEGER NOT NULL,
    site      TEXT NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    seq       INTEGER NOT NULL,
    station   TEXT NOT NULL,
    src       TEXT NOT NULL,
    author    TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;
INSERT INTO field_versions VALUES(0,1,0,117715389054910464,'A-adh6pc',NULL,NULL,1,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,4,117715389054910464,'A-adh6pc',NULL,NULL,2,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,5,117715389054910464,'A-adh6pc',NULL,NULL,3,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,7,117715389054910464,'A-adh6pc',NULL,NULL,4,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,8,117715389054910464,'A-adh6pc',NULL,NULL,5,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,9,117715389054910464,'A-adh6pc',NULL,NULL,6,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,1,11,117715389054910464,'A-adh6pc',NULL,NULL,7,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,0,117715389058383872,'A-adh6pc',NULL,NULL,8,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,7,117715389058383872,'A-adh6pc',NULL,NULL,9,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,8,117715389058383872,'A-adh6pc',NULL,NULL,10,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,9,117715389058383872,'A-adh6pc',NULL,NULL,11,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,11,117715389058383872,'A-adh6pc',NULL,NULL,12,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,2,14,117715389071884288,'A-adh6pc',NULL,NULL,18,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,3,0,117715389092659200,'A-veqvyc',NULL,NULL,20,'A','A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,7,117715389092659200,'A-veqvyc',NULL,NULL,21,'A','A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,8,117715389092659200,'A-veqvyc',NULL,NULL,22,'A','A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,9,117715389092659200,'A-veqvyc',NULL,NULL,23,'A','A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,11,117715389092659200,'A-veqvyc',NULL,NULL,24,'A','A-veqvyc',NULL);
INSERT INTO field_versions VALUES(1,1,0,117715389061529600,'A-adh6pc',NULL,NULL,13,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(1,1,1,117715389061529600,'A-adh6pc',NULL,NULL,14,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(1,1,3,117715389061529600,'A-adh6pc',NULL,NULL,15,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(1,1,5,117715389061529600,'A-adh6pc',NULL,NULL,16,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(1,1,6,117715389061529600,'A-adh6pc',NULL,NULL,17,'A','A-adh6pc',NULL);
INSERT INTO field_versions VALUES(1,1,8,117715389076078592,'A-adh6pc',NULL,NULL,19,'A','A-adh6pc',NULL);
CREATE TABLE stations (
    code       TEXT PRIMARY KEY,
    name       TEXT,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO stations VALUES('A','东风镇',1796194290192);
CREATE TABLE replicas (
    id            INTEGER PRIMARY KEY,
    station       TEXT NOT NULL REFERENCES stations (code),
    device        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    site          TEXT UNIQUE,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    acked_seq     INTEGER NOT NULL DEFAULT 0,
    last_seen     INTEGER,
    last_sync     INTEGER,
    last_error    TEXT,
    agent_version TEXT,
    skew_ms       INTEGER,
    clamped       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (station, device)
);
INSERT INTO replicas VALUES(1,'A','main','edfbaee55b7773e55fa1173c25d78e43797cb6910e193b09e1b60118ecbcc6c5','A-adh6pc',1796194290193,NULL,19,1796194291419,1796194291419,NULL,'swsync 0.1.0',-9,0);
INSERT INTO replicas VALUES(2,'A','two','91a206a31d435d041374afb4434f374ea957df71e08092c1f4262034b8c5abb3','A-veqvyc',1796194290242,NULL,5,1796194291671,1796194291671,NULL,'swsync 0.1.0',-9,0);
CREATE TABLE admins (
    name       TEXT PRIMARY KEY,
    pw_hash    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    admin      TEXT NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL,
    client     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE login_failures (
    kind         TEXT NOT NULL CHECK (kind IN ('user', 'addr')),
    key          TEXT NOT NULL,
    count        INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    details TEXT,
    source  TEXT NOT NULL
);
INSERT INTO audit VALUES(1,1796194290193,'cli:root','station_add','A','device main; name: 东风镇','cli');
INSERT INTO audit VALUES(2,1796194290242,'cli:root','token_new','A','device two','cli');
CREATE TABLE cases (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE DEFAULT (lower(printf('%08x-%04x-7%s-%s%s-%s', (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) >> 16, (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) & 65535, substr(hex(randomblob(2)),2,3), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)),2,3), hex(randomblob(6)))))
        CHECK (id IS NULL OR (typeof(id)='text' AND id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    station TEXT CHECK (station IS NULL OR (length(station) BETWEEN 1 AND 32 AND station NOT GLOB '*[^A-Za-z0-9_.-]*' AND station NOT GLOB '[-.]*')),
    name TEXT
        CHECK (name IS NOT NULL AND (typeof(name)='text' AND length(name)>0 AND length(name)<=100)),
    gender TEXT
        CHECK (gender IS NULL OR (typeof(gender)='text' AND gender IN ('male','female','other'))),
    birth_date TEXT
        CHECK (birth_date IS NULL OR (typeof(birth_date)='text' AND (length(birth_date)=10 AND birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND birth_date>='0001-01-01' AND date(birth_date,'+0 days') IS birth_date))),
    id_number TEXT
        CHECK (id_number IS NULL OR (typeof(id_number)='text' AND length(id_number)=18 AND substr(id_number,1,17) NOT GLOB '*[^0-9]*' AND substr('10X98765432',((7*substr(id_number,1,1)+9*substr(id_number,2,1)+10*substr(id_number,3,1)+5*substr(id_number,4,1)+8*substr(id_number,5,1)+4*substr(id_number,6,1)+2*substr(id_number,7,1)+1*substr(id_number,8,1)+6*substr(id_number,9,1)+3*substr(id_number,10,1)+7*substr(id_number,11,1)+9*substr(id_number,12,1)+10*substr(id_number,13,1)+5*substr(id_number,14,1)+8*substr(id_number,15,1)+4*substr(id_number,16,1)+2*substr(id_number,17,1))%11)+1,1)=substr(id_number,18,1))),
    phone TEXT
        CHECK (phone IS NULL OR (typeof(phone)='text' AND length(phone) BETWEEN 3 AND 20 AND phone GLOB '[0-9+]*' AND substr(phone,2) NOT GLOB '*[^0-9 -]*')),
    village TEXT
        CHECK (village IS NULL OR (typeof(village)='text' AND length(village)<=100)),
    address TEXT
        CHECK (address IS NULL OR (typeof(address)='text' AND length(address)<=200)),
    category TEXT
        CHECK (category IS NOT NULL AND (typeof(category)='text' AND category IN ('elderly_alone','left_behind_child','disabled','low_income','other'))),
    risk_level TEXT
        CHECK (risk_level IS NULL OR (typeof(risk_level)='text' AND risk_level IN ('low','medium','high'))),
    status TEXT
        CHECK (status IS NULL OR (typeof(status)='text' AND status IN ('open','closed'))),
    worker TEXT
        CHECK (worker IS NULL OR (typeof(worker)='text' AND length(worker)<=50)),
    opened_on TEXT
        CHECK (opened_on IS NULL OR (typeof(opened_on)='text' AND (length(opened_on)=10 AND opened_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND opened_on>='0001-01-01' AND date(opened_on,'+0 days') IS opened_on))),
    closed_on TEXT
        CHECK (closed_on IS NULL OR (typeof(closed_on)='text' AND (length(closed_on)=10 AND closed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND closed_on>='0001-01-01' AND date(closed_on,'+0 days') IS closed_on))),
    notes TEXT
        CHECK (notes IS NULL OR (typeof(notes)='text' AND length(notes)<=4000)),
    deleted INTEGER NOT NULL DEFAULT 0
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1)))
);
INSERT INTO cases VALUES(1,'01a23585-cd2c-76bb-942e-445a42f4732d','A','张三',NULL,NULL,NULL,'13911112222','东村',NULL,'left_behind_child','low','open',NULL,'2026-12-02',NULL,NULL,0);
INSERT INTO cases VALUES(2,'01a23585-cd61-7b01-8ca1-2c6e5b20d8d5','A','李四',NULL,NULL,NULL,NULL,NULL,NULL,'disabled','low','open',NULL,'2026-12-02',NULL,NULL,1);
INSERT INTO cases VALUES(3,'01a23585-cf72-7aa3-84da-2444aa9afe6a','A','王五',NULL,NULL,NULL,NULL,NULL,NULL,'low_income','low','open',NULL,'2026-12-02',NULL,NULL,0);
CREATE TABLE visits (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE DEFAULT (lower(printf('%08x-%04x-7%s-%s%s-%s', (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) >> 16, (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) & 65535, substr(hex(randomblob(2)),2,3), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)),2,3), hex(randomblob(6)))))
        CHECK (id IS NULL OR (typeof(id)='text' AND id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    station TEXT CHECK (station IS NULL OR (length(station) BETWEEN 1 AND 32 AND station NOT GLOB '*[^A-Za-z0-9_.-]*' AND station NOT GLOB '[-.]*')),
    case_id TEXT
        CHECK (case_id IS NOT NULL AND (typeof(case_id)='text' AND case_id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    visited_at TEXT
        CHECK (visited_at IS NULL OR (typeof(visited_at)='text' AND length(visited_at) IN (10,16,19) AND substr(visited_at,1,10) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND substr(visited_at,1,10)>='0001-01-01' AND date(substr(visited_at,1,10),'+0 days') IS substr(visited_at,1,10) AND (length(visited_at)=10 OR (substr(visited_at,11,6) GLOB 'T[0-2][0-9]:[0-5][0-9]' AND substr(visited_at,12,2)<='23' AND (length(visited_at)=16 OR substr(visited_at,17,3) GLOB ':[0-5][0-9]'))))),
    worker TEXT
        CHECK (worker IS NULL OR (typeof(worker)='text' AND length(worker)<=50)),
    mode TEXT
        CHECK (mode IS NOT NULL AND (typeof(mode)='text' AND mode IN ('home','phone','office','online'))),
    purpose TEXT
        CHECK (purpose IS NULL OR (typeof(purpose)='text' AND length(purpose)<=500)),
    findings TEXT
        CHECK (findings IS NULL OR (typeof(findings)='text' AND length(findings)<=4000)),
    follow_up INTEGER
        CHECK (follow_up IS NULL OR (typeof(follow_up)='integer' AND follow_up IN (0,1))),
    next_visit_on TEXT
        CHECK (next_visit_on IS NULL OR (typeof(next_visit_on)='text' AND (length(next_visit_on)=10 AND next_visit_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND next_visit_on>='0001-01-01' AND date(next_visit_on,'+0 days') IS next_visit_on))),
    deleted INTEGER NOT NULL DEFAULT 0
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1)))
);
INSERT INTO visits VALUES(1,'01a23585-cd90-7e34-9f21-ad97a738546f','A','01a23585-cd2c-76bb-942e-445a42f4732d','2026-12-02',NULL,'home',NULL,'走访',0,NULL,1);
CREATE TABLE services (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE DEFAULT (lower(printf('%08x-%04x-7%s-%s%s-%s', (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) >> 16, (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)) & 65535, substr(hex(randomblob(2)),2,3), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)),2,3), hex(randomblob(6)))))
        CHECK (id IS NULL OR (typeof(id)='text' AND id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    station TEXT CHECK (station IS NULL OR (length(station) BETWEEN 1 AND 32 AND station NOT GLOB '*[^A-Za-z0-9_.-]*' AND station NOT GLOB '[-.]*')),
    case_id TEXT
        CHECK (case_id IS NOT NULL AND (typeof(case_id)='text' AND case_id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')),
    service_on TEXT
        CHECK (service_on IS NULL OR (typeof(service_on)='text' AND (length(service_on)=10 AND service_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND service_on>='0001-01-01' AND date(service_on,'+0 days') IS service_on))),
    service_type TEXT
        CHECK (service_type IS NOT NULL AND (typeof(service_type)='text' AND length(service_type)>0 AND length(service_type)<=100)),
    provider TEXT
        CHECK (provider IS NULL OR (typeof(provider)='text' AND length(provider)<=100)),
    minutes INTEGER
        CHECK (minutes IS NULL OR (typeof(minutes)='integer' AND minutes BETWEEN 0 AND 100000)),
    amount TEXT
        CHECK (amount IS NULL OR (typeof(amount)='text' AND amount GLOB '[0-9]*' AND amount NOT GLOB '*[^0-9.]*' AND ((instr(amount,'.')=0 AND length(amount)<=10) OR (instr(amount,'.') BETWEEN 2 AND 11 AND length(amount)-instr(amount,'.') BETWEEN 1 AND 2 AND instr(substr(amount,instr(amount,'.')+1),'.')=0)))),
    outcome TEXT
        CHECK (outcome IS NULL OR (typeof(outcome)='text' AND length(outcome)<=500)),
    notes TEXT
        CHECK (notes IS NULL OR (typeof(notes)='text' AND length(notes)<=4000)),
    deleted INTEGER NOT NULL DEFAULT 0
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1)))
);
CREATE TABLE purged (
    id        TEXT PRIMARY KEY,
    tbl       INTEGER NOT NULL,
    station   TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    purged_at INTEGER NOT NULL,             -- ms since the epoch
    admin     TEXT NOT NULL,
    reason    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE refused_changes (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    station TEXT NOT NULL,
    site    TEXT NOT NULL,
    tbl     INTEGER NOT NULL,
    record  TEXT NOT NULL,
    changes INTEGER NOT NULL
);
CREATE TABLE station_audit (
    site     TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    audit_id INTEGER NOT NULL,
    PRIMARY KEY (site, local_id)
) WITHOUT ROWID;
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('audit',2);
CREATE INDEX conflicts_open ON conflicts (status, station);
CREATE UNIQUE INDEX field_versions_pull ON field_versions (station, seq);
CREATE VIEW versions (tbl, rid, col, hlc, site) AS
SELECT tbl, rid, col, hlc, site FROM field_versions;
CREATE INDEX sessions_admin ON sessions (admin);
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE INDEX cases_station ON cases (station);
CREATE INDEX visits_station ON visits (station);
CREATE INDEX visits_case_id ON visits (case_id);
CREATE INDEX services_station ON services (station);
CREATE INDEX services_case_id ON services (case_id);
CREATE INDEX cases_name ON cases (name);
CREATE INDEX purged_pull ON purged (station, seq);
CREATE TRIGGER audit_no_update_v2 BEFORE UPDATE ON audit
WHEN NOT (NEW.details IS '(erased by purge)' AND NEW.id = OLD.id
          AND NEW.at = OLD.at AND NEW.actor = OLD.actor
          AND NEW.action = OLD.action AND NEW.target IS OLD.target
          AND NEW.source = OLD.source)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
COMMIT;
PRAGMA application_id = 1398227791;
PRAGMA user_version = 2;
