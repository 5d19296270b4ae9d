//! `arenawatt import` on every format, driving the real binary in a temporary
//! folder and checking what the store holds afterwards. The compar:IA samples
//! are real rows of the published dataset; the test reads them independently
//! (parquet's row API) and checks every vote's outcome and token counts.

use crate::support::cli::Run;
use std::collections::HashMap;
use std::path::Path;

use arenawatt::store::{CountFilter, Outcome, Store};
use parquet::record::Field;

use crate::support::{
    cli::arenawatt_on as arenawatt,
    data::{fixture, parquet_rows},
};

fn stdout(output: &Run) -> String {
    output.stdout.clone()
}

fn text(row: &HashMap<String, Field>, column: &str) -> Option<String> {
    match &row[column] {
        Field::Str(s) => Some(s.clone()),
        Field::Null => None,
        other => panic!("{column}: unexpected {other:?}"),
    }
}

fn tokens(row: &HashMap<String, Field>, column: &str) -> Option<u64> {
    match &row[column] {
        Field::Double(d) => Some(*d as u64),
        Field::Null => None,
        other => panic!("{column}: unexpected {other:?}"),
    }
}

#[test]
fn real_comparia_votes_with_conversations_give_the_right_outcome_and_tokens_for_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = fixture("comparia/sample_comparia_votes.parquet");
    let conversations = fixture("comparia/sample_comparia_conversations.parquet");
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            "--conversations",
            conversations.to_str().unwrap(),
            votes.to_str().unwrap(),
        ],
        true,
    );
    let printed = stdout(&output);
    assert!(
        printed.contains("10 rows read, 10 matches added"),
        "{printed}"
    );

    let conversation_tokens: HashMap<String, (Option<u64>, Option<u64>)> =
        parquet_rows(&conversations)
            .iter()
            .map(|row| {
                (
                    text(row, "conversation_pair_id").unwrap(),
                    (
                        tokens(row, "total_conv_a_output_tokens"),
                        tokens(row, "total_conv_b_output_tokens"),
                    ),
                )
            })
            .collect();
    let store = Store::open_read_only(&db).unwrap();
    let rows = parquet_rows(&votes);
    assert_eq!(rows.len(), 10);
    let (mut ties, mut with_tokens) = (0, 0);
    for row in &rows {
        let id = text(row, "conversation_pair_id").unwrap();
        let stored = store
            .find_vote("comparia", &id)
            .unwrap()
            .unwrap_or_else(|| panic!("vote {id} missing"));
        let model_a = text(row, "model_a_name").unwrap();
        let model_b = text(row, "model_b_name").unwrap();
        let both_equal = matches!(row["both_equal"], Field::Bool(true));
        let expected = if both_equal {
            ties += 1;
            Outcome::Tie
        } else if text(row, "chosen_model_name").as_deref() == Some(model_a.as_str()) {
            Outcome::A
        } else {
            assert_eq!(
                text(row, "chosen_model_name").as_deref(),
                Some(model_b.as_str())
            );
            Outcome::B
        };
        let Field::Long(nanos) = row["timestamp"] else {
            panic!("timestamp type")
        };
        let (tokens_a, tokens_b) = conversation_tokens
            .get(&id)
            .copied()
            .unwrap_or((None, None));
        with_tokens += usize::from(tokens_a.is_some());
        assert_eq!(
            (stored.model_a.as_str(), stored.model_b.as_str()),
            (model_a.as_str(), model_b.as_str()),
            "{id}"
        );
        assert_eq!(stored.outcome, expected, "{id}");
        assert_eq!(stored.timestamp, nanos.div_euclid(1_000_000_000), "{id}");
        assert_eq!(
            (stored.tokens_a, stored.tokens_b),
            (tokens_a, tokens_b),
            "{id}"
        );
    }
    // The sample holds 3 ties (both_equal, chosen null) and tokens for every vote.
    assert_eq!(ties, 3);
    assert_eq!(with_tokens, 10);
    let tokens_total: u64 = store
        .model_tokens(&CountFilter::default())
        .unwrap()
        .iter()
        .map(|m| m.output_tokens)
        .sum();
    let expected_total: u64 = rows
        .iter()
        .map(|r| conversation_tokens[&text(r, "conversation_pair_id").unwrap()])
        .map(|(a, b)| a.unwrap_or(0) + b.unwrap_or(0))
        .sum();
    assert_eq!(tokens_total, expected_total);
}

#[test]
fn conversations_imported_after_the_votes_attach_their_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = fixture("comparia/sample_comparia_votes.parquet");
    let conversations = fixture("comparia/sample_comparia_conversations.parquet");
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            votes.to_str().unwrap(),
        ],
        true,
    );
    let before = Store::open_read_only(&db)
        .unwrap()
        .model_tokens(&CountFilter::default())
        .unwrap();
    assert!(before
        .iter()
        .all(|m| m.output_tokens == 0 && m.sides_with_tokens == 0));
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-conversations",
            conversations.to_str().unwrap(),
        ],
        true,
    );
    let printed = stdout(&output);
    // 15 conversations: 10 belong to the votes, 5 to the reactions sample.
    assert!(
        printed.contains("15 conversations read, token counts attached to 10 votes"),
        "{printed}"
    );
    assert!(printed.contains("5 have no stored vote"), "{printed}");
    let store = Store::open_read_only(&db).unwrap();
    let after = store.model_tokens(&CountFilter::default()).unwrap();
    assert_eq!(after.iter().map(|m| m.sides_with_tokens).sum::<u64>(), 20);
    assert_eq!(after.iter().map(|m| m.sides_without_tokens).sum::<u64>(), 0);
    let vote = store
        .find_vote(
            "comparia",
            "92efaeb932e44407b114eb1be3c0ece3-851fb2d81a284606968c7cec44a9194b",
        )
        .unwrap()
        .unwrap();
    assert_eq!((vote.tokens_a, vote.tokens_b), (Some(607), Some(1823)));
    // Attaching the same tokens again changes nothing.
    let version = store.data_version().unwrap();
    drop(store);
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-conversations",
            conversations.to_str().unwrap(),
        ],
        true,
    );
    assert_eq!(
        Store::open_read_only(&db).unwrap().data_version().unwrap(),
        version
    );
}

#[test]
fn real_comparia_reactions_count_likes_as_wins_and_dislikes_as_losses() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let reactions = fixture("comparia/sample_comparia_reactions.parquet");
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-reactions",
            reactions.to_str().unwrap(),
        ],
        true,
    );
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(
        store.stats().unwrap().sources,
        vec!["comparia-reactions".to_string()]
    );
    for row in parquet_rows(&reactions) {
        let Field::Long(id) = row["id"] else {
            panic!("id type")
        };
        let stored = store
            .find_vote("comparia-reactions", &id.to_string())
            .unwrap()
            .expect("stored");
        let side_a = text(&row, "model_pos").as_deref() == Some("a");
        let liked = matches!(row["liked"], Field::Bool(true));
        let expected = if liked == side_a {
            Outcome::A
        } else {
            Outcome::B
        };
        assert_eq!(
            stored.outcome, expected,
            "reaction {id}: liked {liked}, side a {side_a}"
        );
        assert_eq!(stored.model_a, text(&row, "model_a_name").unwrap());
    }
    // The sample's one dislike (llama-3.1-405b, side a) is a win for mistral-large-2411.
    let vote = store
        .find_vote("comparia-reactions", "218246")
        .unwrap()
        .unwrap();
    assert_eq!(
        (vote.model_b.as_str(), vote.outcome),
        ("mistral-large-2411", Outcome::B)
    );
}

#[test]
fn csv_with_optional_columns_sources_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let csv = dir.path().join("votes.csv");
    std::fs::write(
        &csv,
        "id,model_a,model_b,winner,timestamp,tokens_a,tokens_b,category,language,source,extra\n\
         v1,alpha,beta,model_a,2026-05-01T10:00:00Z,100,200,code,fr,simulated,x\n\
         v2,beta,gamma,model_b,1777636800,,50,,,simulated,y\n\
         v3,alpha,gamma,tie,2026-05-02 08:00:00,10,20,,,simulated,z\n\
         v4,gamma,alpha,tie (bothbad),2026-05-02,1,2,,,other,w\n",
    )
    .unwrap();
    let output = arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    assert!(
        stdout(&output).contains("4 rows read, 4 matches added"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("name 3 model(s) missing from the catalog"),
        "{}",
        stdout(&output)
    );
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(
        store.stats().unwrap().sources,
        vec!["other".to_string(), "simulated".to_string()]
    );
    let v1 = store.find_vote("simulated", "v1").unwrap().unwrap();
    assert_eq!(
        (
            v1.tokens_a,
            v1.tokens_b,
            v1.categories.clone(),
            v1.language.as_deref()
        ),
        (Some(100), Some(200), vec!["code".to_string()], Some("fr"))
    );
    assert_eq!(v1.timestamp, 1_777_629_600);
    let v2 = store.find_vote("simulated", "v2").unwrap().unwrap();
    assert_eq!(
        (v2.outcome, v2.tokens_a, v2.tokens_b),
        (Outcome::B, None, Some(50))
    );
    assert_eq!(
        store.find_vote("other", "v4").unwrap().unwrap().outcome,
        Outcome::BothBad
    );
    let version = store.data_version().unwrap();
    drop(store);
    // The same file again: nothing added, no new data version, no audit row.
    let output = arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    assert!(
        stdout(&output).contains("0 matches added, 4 already in the store"),
        "{}",
        stdout(&output)
    );
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.data_version().unwrap(), version);
    assert_eq!(store.imports().unwrap().len(), 1);
    let audit = &store.imports().unwrap()[0];
    assert_eq!(
        (
            audit.format.as_str(),
            audit.rows_accepted,
            audit.rows_rejected,
            audit.sha256.len()
        ),
        ("csv", 4, 0, 64)
    );
    drop(store);
    // --source overrides the column.
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "csv",
            "--source",
            "mine",
            csv.to_str().unwrap(),
        ],
        true,
    );
    assert_eq!(
        Store::open_read_only(&db)
            .unwrap()
            .stats()
            .unwrap()
            .vote_rows,
        8
    );
}

#[test]
fn arena_battles_as_json_array_and_as_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let array = dir.path().join("battles.json");
    std::fs::write(
        &array,
        r#"[{"question_id": "q1", "model_a": "gpt-4", "model_b": "claude-2.1", "winner": "model_b", "tstamp": 1700000000.5, "language": "English"},
            {"question_id": "q2", "model_a": "gpt-4", "model_b": "vicuna-13b", "winner": "tie (bothbad)", "tstamp": 1700086400}]"#,
    )
    .unwrap();
    let lines = dir.path().join("battles.jsonl");
    std::fs::write(
        &lines,
        "{\"model_a\": \"vicuna-13b\", \"model_b\": \"claude-2.1\", \"winner\": \"model_a\", \"tstamp\": 1700000100}\n\n\
         {\"model_a\": \"vicuna-13b\", \"model_b\": \"claude-2.1\", \"winner\": \"model_a\", \"tstamp\": 1700000100}\n",
    )
    .unwrap();
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            array.to_str().unwrap(),
            lines.to_str().unwrap(),
        ],
        true,
    );
    let store = Store::open_read_only(&db).unwrap();
    let q1 = store.find_vote("chatbot-arena", "q1").unwrap().unwrap();
    assert_eq!(
        (q1.outcome, q1.timestamp, q1.language.as_deref()),
        (Outcome::B, 1_700_000_000, Some("English"))
    );
    // Two identical battles without ids are two votes.
    let table = store.pair_table(&CountFilter::default()).unwrap();
    let total: u64 = table
        .pairs
        .iter()
        .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
        .sum();
    assert_eq!(total, 4);
}

#[test]
fn pair_counts_need_a_date_and_land_on_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let pairs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pkg/data/lmsys/chatbotarena_pairs_20240814.json");
    let output = arenawatt(
        &db,
        &["import", "--format", "pair-counts", pairs.to_str().unwrap()],
        false,
    );
    assert!(output.stderr.contains("--date"), "{output:?}");
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "pair-counts",
            "--date",
            "2024-08-14",
            "--source",
            "chatbot-arena-2024-08-14",
            pairs.to_str().unwrap(),
        ],
        true,
    );
    assert!(
        stdout(&output).contains("1670250 matches added"),
        "{}",
        stdout(&output)
    );
    let store = Store::open_read_only(&db).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.votes, stats.first_day, stats.last_day),
        (1_670_250, Some(19_949), Some(19_949))
    );
    let table = store.pair_table(&CountFilter::default()).unwrap();
    assert_eq!((table.models.len(), table.pairs.len()), (129, 3460));
    let before = CountFilter {
        to_day: Some(19_948),
        ..CountFilter::default()
    };
    assert!(store.pair_table(&before).unwrap().pairs.is_empty());
}
