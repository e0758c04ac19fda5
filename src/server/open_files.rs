//! The process's open-files limit (`RLIMIT_NOFILE`), which bounds how many connections the
//! server can hold: past it `accept` fails with EMFILE and new clients wait in the listen queue
//! however idle the open connections are. Many systems start processes with a soft limit of
//! 1,024 and a far higher hard limit, which the process may raise itself.

/// File descriptors kept free for everything that is not a client connection: the JWKS,
/// Authsignal and AWS clients' sockets, the listener, the runtime's own, log files.
pub const RESERVED_FILES: u64 = 64;

/// Raises the soft open-files limit to the hard limit and returns the limit now in force, or
/// `None` where it cannot be read.
pub fn raise_to_hard_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` writes the limits into the struct it is given, which lives on
        // this stack frame for the whole call.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: `setrlimit` only reads the struct it is given. It fails (and changes
            // nothing) where the hard limit is not a value the kernel accepts as a soft one,
            // e.g. "unlimited" on macOS; the current soft limit then stays in force.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
        #[allow(clippy::useless_conversion)] // `rlim_t` is not `u64` everywhere.
        u64::try_from(limit.rlim_cur).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// How many connections fit under `open_files_limit` with [`RESERVED_FILES`] kept free:
/// `wanted`, or fewer (but at least one) when the limit leaves no room for it.
pub fn connection_cap(wanted: usize, open_files_limit: u64) -> usize {
    let room = open_files_limit.saturating_sub(RESERVED_FILES).max(1);
    usize::try_from(room).map_or(wanted, |room| wanted.min(room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_with_room_for_the_cap_and_the_reserve_keeps_the_cap() {
        assert_eq!(connection_cap(1_024, 1_048_576), 1_024);
        assert_eq!(connection_cap(1_024, 1_024 + RESERVED_FILES), 1_024);
    }

    #[test]
    fn a_limit_without_room_for_the_reserve_lowers_the_cap() {
        assert_eq!(
            connection_cap(1_024, 1_024),
            1_024 - RESERVED_FILES as usize
        );
        assert_eq!(connection_cap(1_024, 1_024 + RESERVED_FILES - 1), 1_023);
        assert_eq!(
            connection_cap(100_000, 65_536),
            65_536 - RESERVED_FILES as usize
        );
    }

    #[test]
    fn a_limit_smaller_than_the_reserve_still_serves_one_connection() {
        assert_eq!(connection_cap(1_024, RESERVED_FILES), 1);
        assert_eq!(connection_cap(1_024, 0), 1);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_limit() {
        // The test process's own limit: after the call the soft limit equals the hard one
        // (on Linux, where the hard limit is always a valid soft limit).
        let limit = raise_to_hard_limit().expect("the limit is readable");
        #[cfg(target_os = "linux")]
        {
            let mut now = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: as in `raise_to_hard_limit`.
            assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut now) }, 0);
            assert_eq!(now.rlim_cur, now.rlim_max);
            assert_eq!(limit, now.rlim_max);
        }
        assert!(limit > 0);
    }
}
