package dev.chunkvault.local.ws;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The server side of RFC 6455's framing: reads masked client frames, writes unmasked server frames. */
final class WebSocketFrames {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    private static final int CONTINUATION = 0x0;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketFrames() {}

    /** A whole message (fragments joined) or a control frame. */
    record Message(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** A protocol violation: the connection is closed with {@code code}. */
    static final class ProtocolException extends IOException {
        final int code;

        ProtocolException(int code, String why) {
            super(why);
            this.code = code;
        }
    }

    static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the next message; control frames come back as they arrive, between fragments too. */
    static Message read(InputStream in, int maxMessageBytes) throws IOException {
        DataInputStream data = new DataInputStream(in);
        ByteArrayOutputStream message = null;
        int messageOpcode = -1;
        while (true) {
            int b0 = data.read();
            if (b0 < 0) {
                throw new EOFException();
            }
            int b1 = data.readUnsignedByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            if ((b0 & 0x70) != 0) {
                throw new ProtocolException(1002, "reserved bits set");
            }
            if ((b1 & 0x80) == 0) {
                throw new ProtocolException(1002, "client frames must be masked");
            }
            long length = b1 & 0x7F;
            if (length == 126) {
                length = data.readUnsignedShort();
            } else if (length == 127) {
                length = data.readLong();
            }
            boolean control = (opcode & 0x8) != 0;
            if (control && (length > 125 || !fin)) {
                throw new ProtocolException(1002, "bad control frame");
            }
            long total = (message == null ? 0 : message.size()) + length;
            if (length < 0 || total > maxMessageBytes) {
                throw new ProtocolException(1009, "message too big");
            }
            byte[] mask = new byte[4];
            data.readFully(mask);
            byte[] payload = new byte[(int) length];
            data.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            if (control) {
                return new Message(opcode, payload);
            }
            if (opcode == CONTINUATION) {
                if (message == null) {
                    throw new ProtocolException(1002, "continuation without a message");
                }
            } else {
                if (message != null) {
                    throw new ProtocolException(1002, "new message inside a fragmented one");
                }
                if (opcode != TEXT && opcode != BINARY) {
                    throw new ProtocolException(1002, "unknown opcode " + opcode);
                }
                message = new ByteArrayOutputStream();
                messageOpcode = opcode;
            }
            message.write(payload);
            if (fin) {
                return new Message(messageOpcode, message.toByteArray());
            }
        }
    }

    static void write(OutputStream out, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else if (payload.length < 65536) {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(127);
            long n = payload.length;
            for (int i = 7; i >= 0; i--) {
                frame.write((int) (n >>> (8 * i)) & 0xFF);
            }
        }
        frame.write(payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[2 + Math.min(r.length, 123)];
        out[0] = (byte) (code >>> 8);
        out[1] = (byte) code;
        System.arraycopy(r, 0, out, 2, out.length - 2);
        return out;
    }
}
