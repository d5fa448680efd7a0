//! A MessagePack reader for the metadata section of `.apr` files: parses one value into a tree.
//!
//! It follows `rmp_serde`, which is what the reference implementation reads metadata with:
//! bytes after the first value are ignored, nesting deeper than 1023 containers is refused, and
//! strings are kept as raw bytes (whether invalid UTF-8 is acceptable depends on where the string
//! is, which is for the caller to decide).

use std::fmt;

/// One MessagePack value borrowing its strings and binaries from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum MsgValue<'a> {
    Nil,
    Bool(bool),
    /// Any unsigned integer marker (positive fixint, uint 8/16/32/64).
    UInt(u64),
    /// Any signed integer marker (negative fixint, int 8/16/32/64), whatever its sign.
    Int(i64),
    F32(f32),
    F64(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(Vec<MsgValue<'a>>),
    Map(Vec<(MsgValue<'a>, MsgValue<'a>)>),
    Ext(i8, &'a [u8]),
}

/// Why the bytes are not one MessagePack value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgError {
    /// The input ended inside a value.
    Truncated,
    /// The marker byte 0xC1, which MessagePack never uses.
    ReservedMarker,
    /// Containers nested [`MAX_DEPTH`] deep or deeper.
    TooDeep,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MsgError::Truncated => f.write_str("MessagePack data ends inside a value"),
            MsgError::ReservedMarker => f.write_str("MessagePack marker 0xc1 is reserved"),
            MsgError::TooDeep => f.write_str("MessagePack containers nest too deep"),
        }
    }
}

/// rmp_serde's default depth budget: a container at this nesting level is refused.
pub const MAX_DEPTH: usize = 1024;

/// Parses the first MessagePack value of `bytes`.
pub fn parse_first_value(bytes: &[u8]) -> Result<MsgValue<'_>, MsgError> {
    let mut reader = Reader { bytes, position: 0 };
    reader.value(1)
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], MsgError> {
        let end = self.position.checked_add(count).ok_or(MsgError::Truncated)?;
        let taken = self.bytes.get(self.position..end).ok_or(MsgError::Truncated)?;
        self.position = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], MsgError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, MsgError> {
        Ok(self.take(1)?[0])
    }

    fn len16(&mut self) -> Result<usize, MsgError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn len32(&mut self) -> Result<usize, MsgError> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    /// `level` counts the containers this value sits in, itself included if it is one.
    fn value(&mut self, level: usize) -> Result<MsgValue<'a>, MsgError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => MsgValue::UInt(u64::from(marker)),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), level)?,
            0x90..=0x9f => self.sequence(usize::from(marker & 0x0f), level)?,
            0xa0..=0xbf => MsgValue::Str(self.take(usize::from(marker & 0x1f))?),
            0xc0 => MsgValue::Nil,
            0xc1 => return Err(MsgError::ReservedMarker),
            0xc2 => MsgValue::Bool(false),
            0xc3 => MsgValue::Bool(true),
            0xc4 => {
                let len = usize::from(self.u8()?);
                MsgValue::Bin(self.take(len)?)
            }
            0xc5 => {
                let len = self.len16()?;
                MsgValue::Bin(self.take(len)?)
            }
            0xc6 => {
                let len = self.len32()?;
                MsgValue::Bin(self.take(len)?)
            }
            0xc7 => {
                let len = usize::from(self.u8()?);
                self.ext(len, level)?
            }
            0xc8 => {
                let len = self.len16()?;
                self.ext(len, level)?
            }
            0xc9 => {
                let len = self.len32()?;
                self.ext(len, level)?
            }
            0xca => MsgValue::F32(f32::from_be_bytes(self.array()?)),
            0xcb => MsgValue::F64(f64::from_be_bytes(self.array()?)),
            0xcc => MsgValue::UInt(u64::from(self.u8()?)),
            0xcd => MsgValue::UInt(u64::from(u16::from_be_bytes(self.array()?))),
            0xce => MsgValue::UInt(u64::from(u32::from_be_bytes(self.array()?))),
            0xcf => MsgValue::UInt(u64::from_be_bytes(self.array()?)),
            0xd0 => MsgValue::Int(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => MsgValue::Int(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => MsgValue::Int(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => MsgValue::Int(i64::from_be_bytes(self.array()?)),
            0xd4 => self.ext(1, level)?,
            0xd5 => self.ext(2, level)?,
            0xd6 => self.ext(4, level)?,
            0xd7 => self.ext(8, level)?,
            0xd8 => self.ext(16, level)?,
            0xd9 => {
                let len = usize::from(self.u8()?);
                MsgValue::Str(self.take(len)?)
            }
            0xda => {
                let len = self.len16()?;
                MsgValue::Str(self.take(len)?)
            }
            0xdb => {
                let len = self.len32()?;
                MsgValue::Str(self.take(len)?)
            }
            0xdc => {
                let len = self.len16()?;
                self.sequence(len, level)?
            }
            0xdd => {
                let len = self.len32()?;
                self.sequence(len, level)?
            }
            0xde => {
                let len = self.len16()?;
                self.map(len, level)?
            }
            0xdf => {
                let len = self.len32()?;
                self.map(len, level)?
            }
            0xe0..=0xff => MsgValue::Int(i64::from(marker as i8)),
        })
    }

    fn enter(level: usize) -> Result<(), MsgError> {
        if level >= MAX_DEPTH { Err(MsgError::TooDeep) } else { Ok(()) }
    }

    /// Capacity for `len` elements, bounded by the bytes left (each element takes at least one),
    /// so that a corrupted length cannot make us allocate gigabytes.
    fn bounded_capacity(&self, len: usize) -> usize {
        len.min(self.bytes.len().saturating_sub(self.position))
    }

    fn sequence(&mut self, len: usize, level: usize) -> Result<MsgValue<'a>, MsgError> {
        Self::enter(level)?;
        let mut items = Vec::with_capacity(self.bounded_capacity(len));
        for _ in 0..len {
            items.push(self.value(level + 1)?);
        }
        Ok(MsgValue::Array(items))
    }

    fn map(&mut self, len: usize, level: usize) -> Result<MsgValue<'a>, MsgError> {
        Self::enter(level)?;
        let mut entries = Vec::with_capacity(self.bounded_capacity(len) / 2);
        for _ in 0..len {
            let key = self.value(level + 1)?;
            let value = self.value(level + 1)?;
            entries.push((key, value));
        }
        Ok(MsgValue::Map(entries))
    }

    fn ext(&mut self, len: usize, level: usize) -> Result<MsgValue<'a>, MsgError> {
        Self::enter(level)?;
        let tag = i8::from_be_bytes(self.array()?);
        Ok(MsgValue::Ext(tag, self.take(len)?))
    }
}
