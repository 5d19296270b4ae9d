//! Vote file readers, one submodule per format, turning rows into normalised
//! [`crate::store::Vote`]s or pair counts with errors that name file, row and
//! column. (Skeleton: implemented by the store/ingest work.)

pub mod pair_counts;
