//! Columns that hold a code of a closed vocabulary are read as that
//! vocabulary's enum (also inside `Option`), so rows carry no free text for
//! them and an unknown stored code is a decoding error. Values are bound
//! with their `as_str()`.

use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

use crate::store::live_settings::ChatWith;
use crate::store::queue::Availability;
use crate::tickets::fields::{Impact, Reproducibility};

macro_rules! decoded_as_code {
    ($($t:ty),+) => { $(
        impl<DB: Database> Type<DB> for $t
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $t
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let code = <&'r str as Decode<'r, DB>>::decode(value)?;
                <$t>::parse(code)
                    .ok_or_else(|| format!("unknown {} `{code}`", stringify!($t)).into())
            }
        }
    )+ };
}

decoded_as_code!(Reproducibility, Impact, ChatWith, Availability);
