//! A policy read, validated and with its keys imported once (SPEC §7 `compile`), and the one
//! way the browser decides: the core's checks, WebCrypto's arithmetic, the core's decision.

use super::webcrypto;
use crate::core::check::{self, NoCache, Request};
use crate::core::policy::keys::{FetchedJwks, KeyRing};
use crate::core::policy::Policy;
use crate::core::report::Report;
use std::cell::RefCell;
use std::rc::Rc;

/// A validated policy and its key ring for the JWKS documents fetched so far.
pub struct Compiled {
    pub policy: Policy,
    /// The ring for the last set of fetched documents (they change rarely: once per page and
    /// `jwks_uri`); rebuilt when they differ.
    ring: RefCell<Option<(Vec<FetchedJwks>, Rc<KeyRing>)>>,
}

fn same_documents(a: &[FetchedJwks], b: &[FetchedJwks]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.uri == y.uri && x.text == y.text)
}

impl Compiled {
    pub fn new(policy: Policy) -> Compiled {
        Compiled { policy, ring: RefCell::new(None) }
    }

    fn ring(&self, fetched: &[FetchedJwks]) -> Rc<KeyRing> {
        if let Some((documents, ring)) = self.ring.borrow().as_ref() {
            if same_documents(documents, fetched) {
                return ring.clone();
            }
        }
        let ring = Rc::new(KeyRing::new(&self.policy, fetched));
        *self.ring.borrow_mut() = Some((fetched.to_vec(), ring.clone()));
        ring
    }

    /// Imports the policy's inline keys now, so that the first decision does not wait for them.
    pub async fn import_keys(&self) {
        let ring = self.ring(&[]);
        webcrypto::import_keys(&ring.all_keys()).await;
    }

    /// The decision for `request`, worded in its language (fetched first if needed): every
    /// check before the arithmetic in the core, the signatures with WebCrypto (concurrently),
    /// the rest in the core.
    pub async fn decide(&self, request: &Request) -> Report {
        super::languages::ensure(&request.lang).await;
        let ring = self.ring(&request.fetched_jwks);
        let pending = check::begin(&self.policy, request, &NoCache, Some(&ring));
        let verdicts = webcrypto::verify_all(&pending.signature_checks()).await;
        pending.finish(&verdicts)
    }
}
