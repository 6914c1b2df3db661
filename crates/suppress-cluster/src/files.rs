//! An input table's files, as the contract reads them: listed by its rules
//! (`suppress_model::layout`: byte order, `.` and `_` names skipped, `KEY=VALUE` folders as
//! partition columns), each footer read once for the file's own schema and row count, and the
//! files of one schema and one set of partition values registered together as one table
//! (`input_TABLE_K`), so that every file is read with its own schema.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::file_format::parquet::{transform_schema_to_view, ParquetFormat};
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use datafusion::prelude::SessionContext;
use suppress_model::layout::{table_files, LayoutError, Partition};

use crate::error::{engine, ClusterError};

/// Files of one input with the same columns (names and types) and the same partition values.
#[derive(Debug, Clone)]
pub struct Group {
    /// The table it is registered as.
    pub name: String,
    pub files: Vec<PathBuf>,
    /// The columns its files hold, as DataFusion reads them.
    pub schema: SchemaRef,
    /// The partition columns of its folders.
    pub partitions: Vec<Partition>,
}

impl Group {
    /// The partition column named `key`, when the files do not hold a column of that name
    /// themselves (a file's own column wins).
    pub fn partition(&self, key: &str) -> Option<&Partition> {
        match self.schema.field_with_name(key) {
            Ok(_) => None,
            Err(_) => self.partitions.iter().find(|p| p.key == key),
        }
    }

    /// The type of the column `name` in the files, when they hold it.
    pub fn data_type(&self, name: &str) -> Option<&DataType> {
        self.schema.field_with_name(name).ok().map(|f| f.data_type())
    }
}

/// The files of one input table, registered.
#[derive(Debug, Clone)]
pub struct Files {
    pub groups: Vec<Group>,
    /// Every file in the contract's order, with the index of its group.
    pub order: Vec<(PathBuf, usize)>,
    pub bytes: u64,
    pub rows: u64,
}

/// What files of one group share: their columns (names and types) and partition values.
type GroupKey = (Vec<(String, DataType)>, Vec<Partition>);

/// Lists, opens and registers the files of `table` at `path` on `ctx`.
pub fn register(ctx: &SessionContext, table: &str, path: &Path) -> Result<Files, ClusterError> {
    let listed = table_files(path).map_err(|e| match e {
        LayoutError::Partition { .. } => ClusterError::Data(e.to_string()),
        _ => ClusterError::Usage(format!("--{table} {e}")),
    })?;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<GroupKey, usize> = HashMap::new();
    let mut files = Files { groups: Vec::new(), order: Vec::new(), bytes: 0, rows: 0 };
    for listed in listed {
        let (schema, rows, bytes) = footer(&listed.path)?;
        files.rows += rows;
        files.bytes += bytes;
        let key = (
            schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>(),
            listed.partitions.clone(),
        );
        let index = *by_key.entry(key).or_insert_with(|| {
            groups.push(Group {
                name: format!("input_{table}_{}", groups.len()),
                files: Vec::new(),
                schema,
                partitions: listed.partitions.clone(),
            });
            groups.len() - 1
        });
        groups[index].files.push(listed.path.clone());
        files.order.push((listed.path, index));
    }
    for group in &groups {
        let table = listing_table(ctx, &group.files, group.schema.clone())?;
        ctx.register_table(group.name.as_str(), table)
            .map_err(engine(format!("{}: registering", group.files[0].display())))?;
    }
    files.groups = groups;
    Ok(files)
}

/// A table of `files`, read with `schema` (which they all have).
pub fn listing_table(
    ctx: &SessionContext,
    files: &[PathBuf],
    schema: SchemaRef,
) -> Result<Arc<ListingTable>, ClusterError> {
    let urls = files
        .iter()
        .map(|file| {
            // A URL, not a path: DataFusion would read `*`, `?` or `[` in a path as a glob. Its
            // object store takes neither a relative path nor `..`: the path is made canonical.
            let absolute =
                std::fs::canonicalize(file).map_err(|e| ClusterError::Data(format!("{}: {e}", file.display())))?;
            let url = url::Url::from_file_path(&absolute)
                .map_err(|()| ClusterError::Usage(format!("{}: not an absolute path", file.display())))?;
            ListingTableUrl::try_new(url, None).map_err(engine(file.display().to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Every file is named, so no extension filters them (`.PARQUET` is one too).
    let format = ParquetFormat::default().with_options(ctx.state().table_options().parquet.clone());
    let options = ListingOptions::new(Arc::new(format)).with_file_extension("");
    let config = ListingTableConfig::new_with_multi_paths(urls).with_listing_options(options).with_schema(schema);
    let table = ListingTable::try_new(config).map_err(engine(files[0].display().to_string()))?;
    Ok(Arc::new(table))
}

/// A file's schema as DataFusion reads it (strings as views), its rows and its size, from its
/// footer.
fn footer(path: &Path) -> Result<(SchemaRef, u64, u64), ClusterError> {
    let file = std::fs::File::open(path).map_err(|e| ClusterError::Data(format!("{}: {e}", path.display())))?;
    let bytes = file.metadata().map_err(|e| ClusterError::Data(format!("{}: {e}", path.display())))?.len();
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| ClusterError::Data(format!("{}: not a readable Parquet file: {e}", path.display())))?;
    let rows = metadata.metadata().file_metadata().num_rows().max(0) as u64;
    // No metadata, every column nullable: two files of the same columns form one group
    // whatever their writers noted.
    let fields: Vec<Field> =
        metadata.schema().fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect();
    let schema = Schema::new(fields);
    Ok((Arc::new(transform_schema_to_view(&schema)), rows, bytes))
}
