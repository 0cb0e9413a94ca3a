//! From template functions to component files: builds the crates that are
//! stale (one cargo run per workspace), checks prebuilt components exist, and
//! finds (building once per machine) the language engine of each Node.js and
//! Python function.

use std::path::PathBuf;

use fclocal_builder::{BuildReporter, BuildTarget, Builder};
use fclocal_template::CodeLocation;

use crate::error::InvokeError;
use crate::spec::FunctionSpec;

/// The component file of each spec, in order, building what is stale (or
/// everything, with `force`).
pub fn component_paths(
    specs: &[FunctionSpec],
    builder: &Builder,
    force: bool,
    reporter: &dyn BuildReporter,
) -> Result<Vec<PathBuf>, InvokeError> {
    let targets: Vec<BuildTarget> = specs
        .iter()
        .filter_map(|spec| match &spec.code {
            CodeLocation::Crate {
                dir,
                component_file,
            } => Some(BuildTarget {
                label: spec.label(),
                crate_dir: dir.clone(),
                component_file: component_file.clone(),
            }),
            CodeLocation::Component { .. } | CodeLocation::Source { .. } => None,
        })
        .collect();
    let mut built = builder.build(&targets, force, reporter)?.into_iter();
    specs
        .iter()
        .map(|spec| match &spec.code {
            CodeLocation::Crate { .. } => {
                built.next().map(|outcome| outcome.artifact).ok_or_else(|| {
                    InvokeError::MissingComponent {
                        function: spec.label(),
                        path: spec.crate_dir().cloned().unwrap_or_default(),
                    }
                })
            }
            CodeLocation::Source { language, .. } => {
                Ok(builder.language_engine(*language, reporter)?)
            }
            CodeLocation::Component { path } if path.is_file() => Ok(path.clone()),
            CodeLocation::Component { path } => Err(InvokeError::MissingComponent {
                function: spec.label(),
                path: path.clone(),
            }),
        })
        .collect()
}
