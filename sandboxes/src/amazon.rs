//! Login with Amazon and SP-API Orders 2026-01-01.
