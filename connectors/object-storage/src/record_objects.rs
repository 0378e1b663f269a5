//! The objects one encoded partition holds of a rotation's records: the values' object, and the
//! keys' and headers' objects beside it when they are stored. A record goes into all of them or,
//! when any part of it does not fit its format, into none, so their entries stay aligned.

use kconnect_api::{Result, SinkRecord};

use crate::open_object::OpenObject;
use crate::sink_settings::SinkSettings;
use crate::stored::Part;

/// One object of the set, and the part of each record it holds.
struct Held {
    part: Part,
    kind: crate::format::FormatKind,
    object: OpenObject,
}

/// The objects of one encoded partition, the values' first.
pub(crate) struct RecordObjects {
    held: Vec<Held>,
}

impl RecordObjects {
    /// Opens the objects `record` starts, named `name(extension)` (each part's infix and its
    /// format's extension); their schemas are `record`'s.
    pub fn open(record: &SinkRecord, settings: &SinkSettings, name: impl Fn(&str) -> String) -> Result<Self> {
        let held = settings
            .parts()
            .map(|(part, format)| {
                let view = part.view(record, format.kind)?;
                let object = OpenObject::new(
                    &name(&format!("{}{}", part.infix(), format.extension())),
                    format,
                    view.schema.as_ref(),
                )?;
                Ok(Held {
                    part,
                    kind: format.kind,
                    object,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { held })
    }

    /// Appends `record` to every object, or to none when a part of it does not fit.
    pub fn write(&mut self, record: &SinkRecord) -> Result<()> {
        for held in &mut self.held {
            let view = held.part.view(record, held.kind)?;
            held.object.stage(&record.core.topic, &view)?;
        }
        self.held.iter_mut().try_for_each(|held| held.object.commit())
    }

    /// The objects.
    pub fn iter(&self) -> impl Iterator<Item = &OpenObject> {
        self.held.iter().map(|held| &held.object)
    }

    /// The objects, to ship parts of.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut OpenObject> {
        self.held.iter_mut().map(|held| &mut held.object)
    }

    /// The objects, to finish or abandon.
    pub fn into_objects(self) -> impl Iterator<Item = OpenObject> {
        self.held.into_iter().map(|held| held.object)
    }
}
