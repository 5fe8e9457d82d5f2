import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.hash.ChunkId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Loads zstd-jni the way the function does, then encodes and verifies a chunk as a seal would. */
public class ArmCheck {
    public static void main(String[] args) {
        System.out.println("os.arch=" + System.getProperty("os.arch") + " java=" + System.getProperty("java.version"));
        System.out.println("native zstd: " + ChunkCodec.nativeZstd());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 3_000_000; i++) {
            sb.append("line ").append(i % 977).append(" of some log text\n");
        }
        byte[] plain = sb.toString().getBytes(StandardCharsets.US_ASCII);
        ChunkCodec.Stored s = ChunkCodec.encode(plain);
        byte[] stored = s.bytes();
        byte[] back = ChunkCodec.decode(s.encoding(), stored, 0, stored.length, plain.length);
        System.out.println("encoding " + s.encoding() + ": " + plain.length + " -> " + stored.length + " bytes; round trip "
                + (Arrays.equals(plain, back) && ChunkId.sha256(back).equals(ChunkId.sha256(plain)) ? "equal" : "DIFFERENT"));
        try {
            ChunkCodec.decode(s.encoding(), stored, 0, stored.length, plain.length - 1);
            System.out.println("a lying plain length was ACCEPTED");
        } catch (RuntimeException e) {
            System.out.println("a lying plain length is refused: " + e.getClass().getSimpleName());
        }
    }
}
