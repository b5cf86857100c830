//! `simrun gen`: generate a dataset in the published schema.

use anyhow::Result;

/// Entry point of `simrun gen` (arguments include the program name).
pub fn main(_args: Vec<String>) -> Result<()> {
    anyhow::bail!("simrun gen: not wired yet")
}
