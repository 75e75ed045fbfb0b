//! Tests of `SeekWalk`: a bound that moves by creation second and leaves out the runs of
//! that second already read, seconds of a page or more, and servers that keep saying more
//! pages follow.

use super::*;

fn page(has_next_page: bool, runs: &[(i64, &str)], new_runs: bool) -> SeekPage {
    SeekPage {
        has_next_page,
        runs: runs.iter().map(|(s, id)| (Some(*s), id.to_string())).collect(),
        new_runs,
    }
}

fn filter(walk: &SeekWalk) -> Value {
    serde_json::from_str(&walk.filter(r#"{"config.layer":6}"#).unwrap()).unwrap()
}

#[test]
fn the_next_page_starts_at_the_newest_second_less_its_runs_already_read() {
    let mut walk = SeekWalk::default();
    assert_eq!(walk.filter(r#"{"a":1}"#).unwrap(), r#"{"a":1}"#);
    let first = page(true, &[(10, "a"), (11, "b"), (11, "c")], true);
    assert_eq!(walk.after_page(&first), Ok(Seek::Ask));
    assert_eq!(
        filter(&walk),
        json!({"$and": [{"config.layer": 6},
            {"createdAt": {"$gte": "1970-01-01T00:00:11Z"}},
            {"name": {"$nin": ["b", "c"]}}]})
    );
    let last = page(false, &[(11, "d"), (12, "e")], true);
    assert_eq!(walk.after_page(&last), Ok(Seek::Done));
}

#[test]
fn a_second_of_a_page_or_more_is_read_a_page_at_a_time() {
    let mut walk = SeekWalk::default();
    walk.after_page(&page(true, &[(10, "a"), (20, "b")], true))
        .unwrap();
    walk.after_page(&page(true, &[(20, "c"), (20, "d")], true))
        .unwrap();
    assert_eq!(
        filter(&walk)["$and"].as_array().unwrap()[1..],
        [
            json!({"createdAt": {"$gte": "1970-01-01T00:00:20Z"}}),
            json!({"name": {"$nin": ["b", "c", "d"]}})
        ]
    );
    // On past it: the list starts again with the new second's runs.
    walk.after_page(&page(true, &[(20, "e"), (21, "f")], true))
        .unwrap();
    assert_eq!(filter(&walk)["$and"][2], json!({"name": {"$nin": ["f"]}}));
    assert_eq!(walk.after_page(&page(false, &[(25, "g")], true)), Ok(Seek::Done));
}

#[test]
fn pages_that_bring_nothing_new_or_no_run_end_in_an_error() {
    let mut walk = SeekWalk::default();
    walk.after_page(&page(true, &[(10, "a"), (11, "b")], true))
        .unwrap();
    let again = page(true, &[(11, "b"), (12, "c")], false);
    assert_eq!(walk.after_page(&again), Ok(Seek::Ask));
    assert_eq!(walk.after_page(&again), Ok(Seek::Ask));
    assert_eq!(walk.after_page(&again), Err(PagingError::Endless));
    let mut empty = SeekWalk::default();
    assert_eq!(
        empty.after_page(&page(true, &[], false)),
        Err(PagingError::Endless)
    );
    assert_eq!(
        SeekWalk::default().after_page(&page(false, &[], false)),
        Ok(Seek::Done)
    );
}
