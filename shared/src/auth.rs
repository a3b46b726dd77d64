//! Who is calling: the identity the API takes from a verified token. Deployed, API Gateway's
//! JWT authorizer verifies the token and passes its claims; locally, the stack mints and
//! verifies development tokens (HS256) with a secret of its own, checked the same way.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::{AgentId, TenantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Admin,
}

/// The verified caller. The tenant comes from here and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub user: AgentId,
    pub role: Role,
}

/// The claims marketdesk reads from a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Tenant id, as a custom claim.
    #[serde(rename = "custom:tenant")]
    pub tenant: String,
    #[serde(rename = "custom:role")]
    pub role: Role,
    pub iss: String,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the token is invalid: {0}")]
    InvalidToken(String),
    #[error("the token's claim {claim} is invalid: {reason}")]
    InvalidClaim { claim: &'static str, reason: String },
}

impl Claims {
    pub fn caller(&self) -> Result<Caller, AuthError> {
        let tenant = TenantId::parse(&self.tenant).map_err(|e| AuthError::InvalidClaim {
            claim: "custom:tenant",
            reason: e.to_string(),
        })?;
        let user = AgentId::parse(&self.sub).map_err(|e| AuthError::InvalidClaim {
            claim: "sub",
            reason: e.to_string(),
        })?;
        Ok(Caller {
            tenant,
            user,
            role: self.role,
        })
    }
}

/// Issuer of development tokens; deployed stacks never accept it (API Gateway checks its own
/// issuer).
pub const DEV_ISSUER: &str = "marketdesk-dev";

/// Mints and verifies development tokens for the local stack.
#[derive(Clone)]
pub struct DevTokens {
    secret: Vec<u8>,
}

impl std::fmt::Debug for DevTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevTokens(<secret>)")
    }
}

impl DevTokens {
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        DevTokens {
            secret: secret.into(),
        }
    }

    /// A token for `user` of `tenant` valid until `exp` (epoch seconds).
    pub fn mint(&self, tenant: &TenantId, user: &AgentId, role: Role, exp: i64) -> String {
        let claims = Claims {
            sub: user.to_string(),
            tenant: tenant.to_string(),
            role,
            iss: DEV_ISSUER.into(),
            exp,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.secret),
        )
        .expect("HS256 signing of plain claims cannot fail")
    }

    /// Verifies signature, issuer and expiry, and returns the caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[DEV_ISSUER]);
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&self.secret),
            &validation,
        )
        .map_err(|e| AuthError::InvalidToken(e.to_string()))?;
        data.claims.caller()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn far_future() -> i64 {
        4_102_444_800 // 2100-01-01
    }

    #[test]
    fn a_minted_token_verifies_to_its_caller() {
        let tokens = DevTokens::new(b"local-secret".to_vec());
        let tenant = TenantId::parse("demo").unwrap();
        let user = AgentId::parse("alice").unwrap();
        let token = tokens.mint(&tenant, &user, Role::Admin, far_future());
        assert_eq!(
            tokens.verify(&token).unwrap(),
            Caller {
                tenant,
                user,
                role: Role::Admin
            }
        );
    }

    #[test]
    fn tokens_with_another_secret_or_expired_are_refused() {
        let tenant = TenantId::parse("demo").unwrap();
        let user = AgentId::parse("alice").unwrap();
        let token =
            DevTokens::new(b"other".to_vec()).mint(&tenant, &user, Role::Agent, far_future());
        assert!(matches!(
            DevTokens::new(b"mine".to_vec()).verify(&token),
            Err(AuthError::InvalidToken(_))
        ));
        let tokens = DevTokens::new(b"mine".to_vec());
        let expired = tokens.mint(&tenant, &user, Role::Agent, 1_000_000_000);
        assert!(tokens.verify(&expired).is_err());
        assert!(tokens.verify("not.a.token").is_err());
    }

    #[test]
    fn a_claim_that_is_not_a_valid_tenant_id_is_refused() {
        let claims = Claims {
            sub: "alice".into(),
            tenant: "demo#TKT#x".into(),
            role: Role::Agent,
            iss: DEV_ISSUER.into(),
            exp: far_future(),
        };
        assert!(matches!(
            claims.caller(),
            Err(AuthError::InvalidClaim {
                claim: "custom:tenant",
                ..
            })
        ));
    }
}
