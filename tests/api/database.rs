//! The database as an installed console meets it across upgrades.

use bento_console::server::db;

#[tokio::test]
async fn a_database_migrated_before_a_comment_fix_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    let pool = db::connect_and_migrate(&url).await.unwrap();
    // As recorded by a release whose migration 3 had the old comment.
    let released = "d45cb3caddca3863487148422fb0b8b73a7b942b17edd8aaebe347c897c8d72d1c5038f9ee860943300619c1a50b3e2d";
    pool.execute(&format!("update _sqlx_migrations set checksum = X'{released}' where version = 3")).await.unwrap();
    pool.close().await;
    let reopened = db::connect_and_migrate(&url).await;
    assert!(reopened.is_ok(), "{:?}", reopened.err());
}
