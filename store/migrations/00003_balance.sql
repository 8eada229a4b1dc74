-- A running balance per account, kept in step with the credit ledger in the
-- same transaction as each entry. The ledger stays the record: the balance
-- is a cache of its sum (tests compare the two), so reading it does not
-- cost a scan of an ever-growing ledger.

-- +goose Up
ALTER TABLE accounts ADD COLUMN balance BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET balance = (SELECT COALESCE(SUM(l.amount), 0) FROM credit_ledger l WHERE l.account_id = accounts.id);
