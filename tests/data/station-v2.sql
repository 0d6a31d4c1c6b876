-- station-v2.sql: a file made by swsync 0.1.0 (schema 2; tools/previous-release), for tests/test-db.c's migration tests.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE config (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO config VALUES('conflicts_mark','0');
INSERT INTO config VALUES('created_at','1796194290935');
INSERT INTO config VALUES('cursor','24');
INSERT INTO config VALUES('first_attempt','1796194291501');
INSERT INTO config VALUES('held_back','');
INSERT INTO config VALUES('last_attempt','1796194291616');
INSERT INTO config VALUES('last_sync','1796194291691');
INSERT INTO config VALUES('server','http://127.0.0.1:38124');
INSERT INTO config VALUES('site','A-veqvyc');
INSERT INTO config VALUES('skew_ms','-6');
INSERT INTO config VALUES('station','A');
INSERT INTO config VALUES('token_file','/tmp/fx/t2');
CREATE TABLE sync_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    capture INTEGER NOT NULL DEFAULT 1 CHECK (capture IN (0, 1)),
    hlc     INTEGER NOT NULL DEFAULT 0,
    seq     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state VALUES(1,1,117715389092659200,0);
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
    tbl    INTEGER NOT NULL,
    rid    INTEGER NOT NULL,
    col    INTEGER NOT NULL,
    hlc    INTEGER NOT NULL,
    site   TEXT NOT NULL,
    author TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;
INSERT INTO field_versions VALUES(0,2,14,117715389071884288,'A-adh6pc',NULL);
INSERT INTO field_versions VALUES(0,3,0,117715389092659200,'A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,7,117715389092659200,'A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,8,117715389092659200,'A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,9,117715389092659200,'A-veqvyc',NULL);
INSERT INTO field_versions VALUES(0,3,11,117715389092659200,'A-veqvyc',NULL);
INSERT INTO field_versions VALUES(1,1,8,117715389076078592,'A-adh6pc',NULL);
CREATE TABLE outbox (
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    edited_at INTEGER NOT NULL,
    gen       INTEGER NOT NULL DEFAULT 1,
    author    TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;
INSERT INTO outbox VALUES(0,1,4,117715389054910464,'A-adh6pc',1796194291765,1,NULL);
INSERT INTO outbox VALUES(0,3,14,NULL,NULL,1796194291731,1,NULL);
CREATE TABLE pending (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    value,
    hlc       INTEGER NOT NULL,
    site      TEXT NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    author    TEXT,
    seen      TEXT
);
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
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1))),
    ver_hlc INTEGER,
    ver_site TEXT,
    ver_cols INTEGER,
    ver_author TEXT
);
INSERT INTO cases VALUES(1,'01a23585-cd2c-76bb-942e-445a42f4732d','A','张三',NULL,NULL,NULL,'13700001111','东村',NULL,'left_behind_child','low','open',NULL,'2026-12-02',NULL,NULL,0,117715389054910464,'A-adh6pc',2993,NULL);
INSERT INTO cases VALUES(2,'01a23585-cd61-7b01-8ca1-2c6e5b20d8d5','A','李四',NULL,NULL,NULL,NULL,NULL,NULL,'disabled','low','open',NULL,'2026-12-02',NULL,NULL,1,117715389058383872,'A-adh6pc',2945,NULL);
INSERT INTO cases VALUES(3,'01a23585-cf72-7aa3-84da-2444aa9afe6a','A','王五',NULL,NULL,NULL,NULL,NULL,NULL,'low_income','low','open',NULL,'2026-12-02',NULL,NULL,1,NULL,NULL,NULL,NULL);
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
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1))),
    ver_hlc INTEGER,
    ver_site TEXT,
    ver_cols INTEGER,
    ver_author TEXT
);
INSERT INTO visits VALUES(1,'01a23585-cd90-7e34-9f21-ad97a738546f','A','01a23585-cd2c-76bb-942e-445a42f4732d','2026-12-02',NULL,'home',NULL,'走访',0,NULL,1,117715389061529600,'A-adh6pc',107,NULL);
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
        CHECK (deleted IS NULL OR (typeof(deleted)='integer' AND deleted IN (0,1))),
    ver_hlc INTEGER,
    ver_site TEXT,
    ver_cols INTEGER,
    ver_author TEXT
);
CREATE TABLE local_audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,                -- ms since the epoch
    who    TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE workers (
    name       TEXT PRIMARY KEY,
    pw_hash    TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE worker_sessions (
    id_hash    TEXT PRIMARY KEY,
    worker     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE erased (
    id  TEXT PRIMARY KEY,
    tbl INTEGER NOT NULL,
    at  INTEGER NOT NULL                    -- ms since the epoch
) WITHOUT ROWID;
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('pending',5);
CREATE INDEX conflicts_open ON conflicts (status, station);
CREATE INDEX pending_field ON pending (tbl, rid, col);
CREATE INDEX visits_case_id ON visits (case_id);
CREATE INDEX services_case_id ON services (case_id);
CREATE INDEX cases_name ON cases (name);
CREATE TRIGGER cases_capture_ins AFTER INSERT ON cases
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 0, NEW.rid, d.c, NULL, NULL, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.name IS NOT NULL UNION ALL
        SELECT 1 AS c WHERE NEW.gender IS NOT NULL UNION ALL
        SELECT 2 AS c WHERE NEW.birth_date IS NOT NULL UNION ALL
        SELECT 3 AS c WHERE NEW.id_number IS NOT NULL UNION ALL
        SELECT 4 AS c WHERE NEW.phone IS NOT NULL UNION ALL
        SELECT 5 AS c WHERE NEW.village IS NOT NULL UNION ALL
        SELECT 6 AS c WHERE NEW.address IS NOT NULL UNION ALL
        SELECT 7 AS c WHERE NEW.category IS NOT NULL UNION ALL
        SELECT 8 AS c WHERE NEW.risk_level IS NOT NULL UNION ALL
        SELECT 9 AS c WHERE NEW.status IS NOT NULL UNION ALL
        SELECT 10 AS c WHERE NEW.worker IS NOT NULL UNION ALL
        SELECT 11 AS c WHERE NEW.opened_on IS NOT NULL UNION ALL
        SELECT 12 AS c WHERE NEW.closed_on IS NOT NULL UNION ALL
        SELECT 13 AS c WHERE NEW.notes IS NOT NULL UNION ALL
        SELECT 14 AS c WHERE NEW.deleted = 1) AS d
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER cases_capture_upd AFTER UPDATE ON cases
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 0, NEW.rid, d.c, coalesce(v.hlc, CASE WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_hlc END), CASE WHEN v.hlc IS NOT NULL THEN v.site WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_site END, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.name IS NOT OLD.name UNION ALL
        SELECT 1 AS c WHERE NEW.gender IS NOT OLD.gender UNION ALL
        SELECT 2 AS c WHERE NEW.birth_date IS NOT OLD.birth_date UNION ALL
        SELECT 3 AS c WHERE NEW.id_number IS NOT OLD.id_number UNION ALL
        SELECT 4 AS c WHERE NEW.phone IS NOT OLD.phone UNION ALL
        SELECT 5 AS c WHERE NEW.village IS NOT OLD.village UNION ALL
        SELECT 6 AS c WHERE NEW.address IS NOT OLD.address UNION ALL
        SELECT 7 AS c WHERE NEW.category IS NOT OLD.category UNION ALL
        SELECT 8 AS c WHERE NEW.risk_level IS NOT OLD.risk_level UNION ALL
        SELECT 9 AS c WHERE NEW.status IS NOT OLD.status UNION ALL
        SELECT 10 AS c WHERE NEW.worker IS NOT OLD.worker UNION ALL
        SELECT 11 AS c WHERE NEW.opened_on IS NOT OLD.opened_on UNION ALL
        SELECT 12 AS c WHERE NEW.closed_on IS NOT OLD.closed_on UNION ALL
        SELECT 13 AS c WHERE NEW.notes IS NOT OLD.notes UNION ALL
        SELECT 14 AS c WHERE NEW.deleted IS NOT OLD.deleted) AS d
    LEFT JOIN field_versions AS v
        ON v.tbl = 0 AND v.rid = NEW.rid AND v.col = d.c
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER cases_fill AFTER INSERT ON cases
WHEN NEW.station IS NULL OR NEW.risk_level IS NULL OR NEW.status IS NULL OR NEW.opened_on IS NULL
BEGIN
    UPDATE cases SET station = coalesce(NEW.station, (SELECT value FROM config WHERE key = 'station')),
        risk_level = coalesce(NEW.risk_level, 'low'),
        status = coalesce(NEW.status, 'open'),
        opened_on = coalesce(NEW.opened_on, date('now', 'localtime'))
        WHERE rid = NEW.rid;
END;
CREATE TRIGGER cases_fixed BEFORE UPDATE ON cases
WHEN NEW.rid IS NOT OLD.rid OR NEW.id IS NOT OLD.id OR (OLD.station IS NOT NULL AND NEW.station IS NOT OLD.station)
BEGIN
    SELECT RAISE(ABORT, 'cases: id, station cannot change');
END;
CREATE TRIGGER cases_no_replace BEFORE INSERT ON cases
WHEN (SELECT capture FROM sync_state WHERE id = 1) AND EXISTS (SELECT 1 FROM cases WHERE id = NEW.id OR rid = NEW.rid)
BEGIN
    SELECT RAISE(ABORT, 'cases: a record with this id exists; change it with UPDATE');
END;
CREATE TRIGGER cases_tombstone BEFORE DELETE ON cases
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    UPDATE cases SET deleted = 1 WHERE rid = OLD.rid AND deleted = 0;
    SELECT RAISE(IGNORE);
END;
CREATE TRIGGER visits_capture_ins AFTER INSERT ON visits
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 1, NEW.rid, d.c, NULL, NULL, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.case_id IS NOT NULL UNION ALL
        SELECT 1 AS c WHERE NEW.visited_at IS NOT NULL UNION ALL
        SELECT 2 AS c WHERE NEW.worker IS NOT NULL UNION ALL
        SELECT 3 AS c WHERE NEW.mode IS NOT NULL UNION ALL
        SELECT 4 AS c WHERE NEW.purpose IS NOT NULL UNION ALL
        SELECT 5 AS c WHERE NEW.findings IS NOT NULL UNION ALL
        SELECT 6 AS c WHERE NEW.follow_up IS NOT NULL UNION ALL
        SELECT 7 AS c WHERE NEW.next_visit_on IS NOT NULL UNION ALL
        SELECT 8 AS c WHERE NEW.deleted = 1) AS d
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER visits_capture_upd AFTER UPDATE ON visits
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 1, NEW.rid, d.c, coalesce(v.hlc, CASE WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_hlc END), CASE WHEN v.hlc IS NOT NULL THEN v.site WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_site END, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.case_id IS NOT OLD.case_id UNION ALL
        SELECT 1 AS c WHERE NEW.visited_at IS NOT OLD.visited_at UNION ALL
        SELECT 2 AS c WHERE NEW.worker IS NOT OLD.worker UNION ALL
        SELECT 3 AS c WHERE NEW.mode IS NOT OLD.mode UNION ALL
        SELECT 4 AS c WHERE NEW.purpose IS NOT OLD.purpose UNION ALL
        SELECT 5 AS c WHERE NEW.findings IS NOT OLD.findings UNION ALL
        SELECT 6 AS c WHERE NEW.follow_up IS NOT OLD.follow_up UNION ALL
        SELECT 7 AS c WHERE NEW.next_visit_on IS NOT OLD.next_visit_on UNION ALL
        SELECT 8 AS c WHERE NEW.deleted IS NOT OLD.deleted) AS d
    LEFT JOIN field_versions AS v
        ON v.tbl = 1 AND v.rid = NEW.rid AND v.col = d.c
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER visits_fill AFTER INSERT ON visits
WHEN NEW.station IS NULL OR NEW.visited_at IS NULL OR NEW.follow_up IS NULL
BEGIN
    UPDATE visits SET station = coalesce(NEW.station, (SELECT station FROM cases WHERE id = NEW.case_id), (SELECT value FROM config WHERE key = 'station')),
        visited_at = coalesce(NEW.visited_at, date('now', 'localtime')),
        follow_up = coalesce(NEW.follow_up, 0)
        WHERE rid = NEW.rid;
END;
CREATE TRIGGER visits_fixed BEFORE UPDATE ON visits
WHEN NEW.rid IS NOT OLD.rid OR NEW.id IS NOT OLD.id OR (OLD.station IS NOT NULL AND NEW.station IS NOT OLD.station) OR (OLD.case_id IS NOT NULL AND NEW.case_id IS NOT OLD.case_id)
BEGIN
    SELECT RAISE(ABORT, 'visits: id, station, case_id cannot change');
END;
CREATE TRIGGER visits_no_replace BEFORE INSERT ON visits
WHEN (SELECT capture FROM sync_state WHERE id = 1) AND EXISTS (SELECT 1 FROM visits WHERE id = NEW.id OR rid = NEW.rid)
BEGIN
    SELECT RAISE(ABORT, 'visits: a record with this id exists; change it with UPDATE');
END;
CREATE TRIGGER visits_tombstone BEFORE DELETE ON visits
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    UPDATE visits SET deleted = 1 WHERE rid = OLD.rid AND deleted = 0;
    SELECT RAISE(IGNORE);
END;
CREATE TRIGGER services_capture_ins AFTER INSERT ON services
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 2, NEW.rid, d.c, NULL, NULL, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.case_id IS NOT NULL UNION ALL
        SELECT 1 AS c WHERE NEW.service_on IS NOT NULL UNION ALL
        SELECT 2 AS c WHERE NEW.service_type IS NOT NULL UNION ALL
        SELECT 3 AS c WHERE NEW.provider IS NOT NULL UNION ALL
        SELECT 4 AS c WHERE NEW.minutes IS NOT NULL UNION ALL
        SELECT 5 AS c WHERE NEW.amount IS NOT NULL UNION ALL
        SELECT 6 AS c WHERE NEW.outcome IS NOT NULL UNION ALL
        SELECT 7 AS c WHERE NEW.notes IS NOT NULL UNION ALL
        SELECT 8 AS c WHERE NEW.deleted = 1) AS d
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER services_capture_upd AFTER UPDATE ON services
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    INSERT INTO outbox (tbl, rid, col, base_hlc, base_site, edited_at)
    SELECT 2, NEW.rid, d.c, coalesce(v.hlc, CASE WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_hlc END), CASE WHEN v.hlc IS NOT NULL THEN v.site WHEN (OLD.ver_cols >> d.c) & 1 THEN OLD.ver_site END, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
    FROM (
        SELECT 0 AS c WHERE NEW.case_id IS NOT OLD.case_id UNION ALL
        SELECT 1 AS c WHERE NEW.service_on IS NOT OLD.service_on UNION ALL
        SELECT 2 AS c WHERE NEW.service_type IS NOT OLD.service_type UNION ALL
        SELECT 3 AS c WHERE NEW.provider IS NOT OLD.provider UNION ALL
        SELECT 4 AS c WHERE NEW.minutes IS NOT OLD.minutes UNION ALL
        SELECT 5 AS c WHERE NEW.amount IS NOT OLD.amount UNION ALL
        SELECT 6 AS c WHERE NEW.outcome IS NOT OLD.outcome UNION ALL
        SELECT 7 AS c WHERE NEW.notes IS NOT OLD.notes UNION ALL
        SELECT 8 AS c WHERE NEW.deleted IS NOT OLD.deleted) AS d
    LEFT JOIN field_versions AS v
        ON v.tbl = 2 AND v.rid = NEW.rid AND v.col = d.c
    WHERE 1
    ON CONFLICT (tbl, rid, col) DO UPDATE
        SET edited_at = excluded.edited_at, gen = gen + 1, author = NULL;
END;
CREATE TRIGGER services_fill AFTER INSERT ON services
WHEN NEW.station IS NULL OR NEW.service_on IS NULL
BEGIN
    UPDATE services SET station = coalesce(NEW.station, (SELECT station FROM cases WHERE id = NEW.case_id), (SELECT value FROM config WHERE key = 'station')),
        service_on = coalesce(NEW.service_on, date('now', 'localtime'))
        WHERE rid = NEW.rid;
END;
CREATE TRIGGER services_fixed BEFORE UPDATE ON services
WHEN NEW.rid IS NOT OLD.rid OR NEW.id IS NOT OLD.id OR (OLD.station IS NOT NULL AND NEW.station IS NOT OLD.station) OR (OLD.case_id IS NOT NULL AND NEW.case_id IS NOT OLD.case_id)
BEGIN
    SELECT RAISE(ABORT, 'services: id, station, case_id cannot change');
END;
CREATE TRIGGER services_no_replace BEFORE INSERT ON services
WHEN (SELECT capture FROM sync_state WHERE id = 1) AND EXISTS (SELECT 1 FROM services WHERE id = NEW.id OR rid = NEW.rid)
BEGIN
    SELECT RAISE(ABORT, 'services: a record with this id exists; change it with UPDATE');
END;
CREATE TRIGGER services_tombstone BEFORE DELETE ON services
WHEN (SELECT capture FROM sync_state WHERE id = 1)
BEGIN
    UPDATE services SET deleted = 1 WHERE rid = OLD.rid AND deleted = 0;
    SELECT RAISE(IGNORE);
END;
CREATE VIEW versions (tbl, rid, col, hlc, site) AS
WITH RECURSIVE n (c) AS (SELECT 0 UNION ALL SELECT c + 1 FROM n WHERE c < 62)
SELECT tbl, rid, col, hlc, site FROM field_versions
UNION ALL
SELECT 0, r.rid, n.c, r.ver_hlc, r.ver_site FROM cases AS r, n
WHERE (r.ver_cols >> n.c) & 1 AND NOT EXISTS (SELECT 1 FROM field_versions AS f
    WHERE f.tbl = 0 AND f.rid = r.rid AND f.col = n.c)
UNION ALL
SELECT 1, r.rid, n.c, r.ver_hlc, r.ver_site FROM visits AS r, n
WHERE (r.ver_cols >> n.c) & 1 AND NOT EXISTS (SELECT 1 FROM field_versions AS f
    WHERE f.tbl = 1 AND f.rid = r.rid AND f.col = n.c)
UNION ALL
SELECT 2, r.rid, n.c, r.ver_hlc, r.ver_site FROM services AS r, n
WHERE (r.ver_cols >> n.c) & 1 AND NOT EXISTS (SELECT 1 FROM field_versions AS f
    WHERE f.tbl = 2 AND f.rid = r.rid AND f.col = n.c);
CREATE TRIGGER local_audit_no_delete
BEFORE DELETE ON local_audit
BEGIN
    SELECT RAISE(ABORT, 'the local audit trail is append-only');
END;
CREATE INDEX worker_sessions_worker
    ON worker_sessions (worker);
CREATE TRIGGER local_audit_no_update_v2
BEFORE UPDATE ON local_audit
WHEN NOT (NEW.detail IS '(erased by purge)' AND NEW.id = OLD.id
          AND NEW.at = OLD.at AND NEW.who = OLD.who
          AND NEW.action = OLD.action)
BEGIN
    SELECT RAISE(ABORT, 'the local audit trail is append-only');
END;
COMMIT;
PRAGMA application_id = 1398231892;
PRAGMA user_version = 2;
