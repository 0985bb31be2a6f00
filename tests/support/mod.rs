//! Shared by the integration tests and the scenario generator.
pub mod demo;
pub mod mint;
pub mod postgres;
pub mod world;
