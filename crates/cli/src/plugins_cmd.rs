//! `kconnect plugins`: every plugin this binary runs (and, given a worker configuration, the Java
//! plugins of its `plugin.path`), a line each: type, class, version and the aliases it is also
//! found by.

use std::path::Path;

use kconnect_api::PluginTable;
use kconnect_runtime::PluginRegistry;
use kconnect_runtime::plugins::BUILT_IN_VERSION;
use kconnect_runtime::properties::read_config_file;

/// Prints the plugins of `plugins`, with those of `worker_file`'s `plugin.path` when given.
pub fn run(worker_file: Option<&Path>, plugins: PluginTable) -> anyhow::Result<()> {
    let registry = match worker_file {
        Some(file) => crate::plugins::worker_registry(plugins, &read_config_file(file)?)?,
        None => PluginRegistry::new(plugins),
    };
    print!("{}", listing(registry.table()));
    Ok(())
}

/// The lines of every plugin of `table` under a header, in aligned columns.
fn listing(table: &PluginTable) -> String {
    let mut rows = vec![["TYPE", "CLASS", "VERSION", "ALIASES"].map(String::from)];
    for plugin in table.classes() {
        rows.push([
            plugin.plugin_type.name().to_string(),
            plugin.class.to_string(),
            plugin.version.unwrap_or(BUILT_IN_VERSION).to_string(),
            plugin.aliases().join(", "),
        ]);
    }
    for class in table.config_provider_classes() {
        let row = ["config_provider", class, BUILT_IN_VERSION, ""];
        rows.push(row.map(String::from));
    }
    let widths: Vec<usize> = (0..3)
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|[kind, class, version, aliases]| {
            let line = format!(
                "{kind:w0$}  {class:w1$}  {version:w2$}  {aliases}",
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
            format!("{}\n", line.trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plugin_is_a_line_with_its_aliases() {
        let text = listing(&kconnect_converters::plugins());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("TYPE") && lines[0].ends_with("ALIASES"), "{text}");
        let json = lines
            .iter()
            .find(|line| line.contains("org.apache.kafka.connect.json.JsonConverter"))
            .expect("the JSON converter is listed");
        assert!(json.starts_with("converter "), "{json}");
        assert!(json.ends_with("JsonConverter, Json"), "{json}");
    }
}
